"""The owners-are-people revision carries typed owners and sponsors to people: up, down and up again, both databases.

Rows go in with raw SQL as revision a3d81c5e90f2 held them: owners and sponsors typed as names, e-mails, job
titles, in any case and spacing, and board actions whose owner is a name in the review's JSON.
"""

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from benefits import migrate
from benefits.columns import UtcDateTime
from benefits.db import make_engine
from tests.conftest import FreshDatabase

BEFORE = "a3d81c5e90f2"
WHEN = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "created_at": UtcDateTime(),
    "updated_at": UtcDateTime(),
    "recorded_at": UtcDateTime(),
    "attendees": sa.JSON(),
    "decisions": sa.JSON(),
    "actions": sa.JSON(),
    "snapshot": sa.JSON(),
}


def _insert(connection: sa.Connection, table: str, row: dict[str, Any]) -> int:
    names = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    statement = sa.text(f"INSERT INTO {table} ({names}) VALUES ({values}) RETURNING id")
    statement = statement.bindparams(*(sa.bindparam(name, type_=TYPES[name]) for name in row if name in TYPES))
    return int(connection.execute(statement, row).scalar_one())


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(sa.text(sql))]
    engine.dispose()
    return found


def _old_rows(url: str) -> dict[str, int]:
    """One person who signs in, an initiative and four benefits owned by text, a profile, and a review's actions."""
    stamps = {"version": 1, "created_at": WHEN, "updated_at": WHEN}
    engine = make_engine(url)
    with engine.begin() as connection:
        priya = _insert(connection, "person", {"name": "Priya Patel", "name_key": "priya patel", "role":
                        "programme_manager", "active": True, "email": "priya.patel@example.org"} | stamps)  # fmt: skip
        initiative = _insert(connection, "initiative", {"name": "Front office", "description": "", "fy_start_month": 4,
                             "granularity": "year", "owner": "PRIYA PATEL", "sponsor": "Director of Resources"}
                             | stamps)  # fmt: skip
        benefit = {"initiative_id": initiative, "description": "", "quantified": True, "is_disbenefit": False,
                   "evidence": "", "stage": "opportunity", "furthest_stage": "opportunity", "withdrawn": False,
                   "measured_as": "change"} | stamps  # fmt: skip
        ids = {
            "by_email": _insert(connection, "benefit", benefit | {"title": "A", "owner": "Priya.Patel@example.org"}),
            "by_title": _insert(connection, "benefit", benefit | {"title": "B", "owner": "Contact Centre Manager"}),
            "spaced": _insert(connection, "benefit", benefit | {"title": "C", "owner": "  contact centre  manager "}),
            "nobody": _insert(connection, "benefit", benefit | {"title": "D", "owner": None}),
        }
        for period, key in (("2026-27", 20260), ("2027-28", 20270)):
            connection.execute(
                sa.text("INSERT INTO profile_entry (benefit_id, period, sort_key, planned) VALUES (:b, :p, :k, 10000)"),
                {"b": ids["by_title"], "p": period, "k": key},
            )
        actions = [
            {"action": "Find an owner", "owner": "priya patel", "due": None, "status": "open"},
            {"action": "Count the calls", "owner": "Libraries Manager", "due": "2026-06-01", "status": "open"},
        ]
        ids["review"] = _insert(connection, "review", {"initiative_id": initiative, "held_on": date(2026, 5, 1),
                                "title": "", "attendees": [], "decisions": [], "actions": actions, "notes": "",
                                "snapshot": {}, "recorded_by": "Priya Patel", "recorded_at": WHEN})  # fmt: skip
    engine.dispose()
    return ids | {"priya": priya, "initiative": initiative}


def _assert_carried(url: str, ids: dict[str, int]) -> None:
    people = {name: (person_id, role, password) for person_id, name, role, password in
              _rows(url, "SELECT id, name, role, password_hash FROM person")}  # fmt: skip
    # A job title nobody holds becomes one person, whatever its spacing or case; no sign-in, so a viewer.
    assert sorted(people) == ["Contact Centre Manager", "Director of Resources", "Libraries Manager", "Priya Patel"]
    for made in ("Contact Centre Manager", "Director of Resources", "Libraries Manager"):
        assert people[made][1:] == ("viewer", None)
    manager = people["Contact Centre Manager"][0]
    assert sorted(_rows(url, "SELECT id, owner, owner_id FROM benefit")) == sorted([
        (ids["by_email"], "Priya Patel", ids["priya"]),
        (ids["by_title"], "Contact Centre Manager", manager),
        (ids["spaced"], "Contact Centre Manager", manager),
        (ids["nobody"], None, None),
    ])  # fmt: skip
    assert _rows(url, "SELECT owner, owner_id, sponsor, sponsor_id FROM initiative") == [
        ("Priya Patel", ids["priya"], "Director of Resources", people["Director of Resources"][0])
    ]
    # Nothing that points at a benefit went with the table SQLite copied to add the column.
    assert _rows(url, "SELECT count(*) FROM profile_entry") == [(2,)]
    engine = make_engine(url)
    with engine.connect() as connection:
        review = sa.table("review", sa.column("id", sa.Integer), sa.column("actions", sa.JSON))
        actions = connection.execute(sa.select(review.c.actions)).scalar_one()
    engine.dispose()
    assert [(action["owner"], action["owner_id"], action["due"]) for action in actions] == [
        ("Priya Patel", ids["priya"], None),
        ("Libraries Manager", people["Libraries Manager"][0], "2026-06-01"),
    ]


def test_typed_owners_become_people_up_down_and_up_again(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url, BEFORE)
    ids = _old_rows(url)

    migrate.upgrade(url)
    _assert_carried(url, ids)

    migrate.downgrade(url, BEFORE)
    assert sorted(_rows(url, "SELECT id, owner FROM benefit")) == sorted([
        (ids["by_email"], "Priya Patel"), (ids["by_title"], "Contact Centre Manager"),
        (ids["spaced"], "Contact Centre Manager"), (ids["nobody"], None),
    ])  # fmt: skip
    assert _rows(url, "SELECT count(*) FROM profile_entry") == [(2,)]

    # Up again: the people made the first time are found, not made twice.
    migrate.upgrade(url)
    _assert_carried(url, ids)
