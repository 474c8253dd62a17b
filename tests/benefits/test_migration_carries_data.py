"""The baselines-and-cost-centres revision carries data written the old way: up, down and up again, both databases.

Rows go in with raw SQL, as the schema of revision 75f655736ab6 held them: free-text cost centres spelt any way,
one approved baseline a benefit, and the trail that says who first moved it to planned.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from benefits import migrate
from benefits.columns import UtcDateTime
from benefits.db import make_engine
from tests.conftest import FreshDatabase

BEFORE = "75f655736ab6"
NEW_TABLES = {"cost_centre", "baseline_version", "rebaseline_request", "redeployment_confirmation"}
SCALE = 10_000  # amounts are whole ten-thousandths
WHEN = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
BASELINE = {"2026-27": 1_000, "2027-28": 2_500}


def _insert(connection: sa.Connection, table: str, row: dict[str, Any]) -> None:
    """One row in, by raw SQL; timestamps and JSON bound with their column types, as the old schema stored them."""
    types: dict[str, sa.types.TypeEngine[Any]] = {
        "created_at": UtcDateTime(),
        "updated_at": UtcDateTime(),
        "approved_at": UtcDateTime(),
        "at": UtcDateTime(),
        "before": sa.JSON(),
        "after": sa.JSON(),
    }
    names = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    statement = sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})")
    statement = statement.bindparams(*(sa.bindparam(name, type_=types[name]) for name in row if name in types))
    connection.execute(statement, row)


def _one(connection: sa.Connection, sql: str, **params: Any) -> Any:
    return connection.execute(sa.text(sql), params).scalar_one()


def _rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(sa.text(sql), params)]
    engine.dispose()
    return found


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    names = {column["name"] for column in sa.inspect(engine).get_columns(table)}
    engine.dispose()
    return names


def _old_rows(url: str) -> dict[str, int]:
    """The old schema's rows: an initiative, two benefits naming one cost centre two ways, and the rest."""
    expected = {
        "initiative": {"name", "description", "fy_start_month", "granularity", "version", "created_at", "updated_at"},
        "benefit": {"title", "category", "route", "cost_centre", "stage", "furthest_stage", "withdrawn"},
        "approved_baseline": {"benefit_id", "period", "sort_key", "planned", "approved_at"},
        "budget": {"cost_centre", "year", "amount"},
        "cost_line": {"initiative_id", "title", "kind", "cost_centre", "optimism_bias"},
        "ledger_entry": {"benefit_id", "cost_centre", "confirmed", "first_of_year"},
    }
    for table, needed in expected.items():
        # What these inserts assume of the old schema: a change to an old revision would show here first.
        assert needed <= _columns(url, table), table
    assert "version" not in _columns(url, "approved_baseline")
    assert "baseline_version" not in _columns(url, "benefit")

    stamps = {"version": 1, "created_at": WHEN, "updated_at": WHEN}
    engine = make_engine(url)
    with engine.begin() as connection:
        _insert(
            connection,
            "initiative",
            {"name": "Old front office", "description": "", "fy_start_month": 4, "granularity": "year"} | stamps,
        )
        initiative = _one(connection, "SELECT id FROM initiative WHERE name = 'Old front office'")
        benefit = {
            "description": "",
            "quantified": True,
            "is_disbenefit": False,
            "category": "financial",
            "route": "cash",
            "evidence": "",
            "initiative_id": initiative,
            "withdrawn": False,
        } | stamps
        _insert(
            connection,
            "benefit",
            benefit | {"title": "Lower case", "cost_centre": "cs200", "stage": "planned", "furthest_stage": "planned"},
        )
        _insert(
            connection,
            "benefit",
            benefit | {"title": "Capitals", "cost_centre": "CS200", "stage": "scoped", "furthest_stage": "scoped"},
        )
        planned = _one(connection, "SELECT id FROM benefit WHERE title = 'Lower case'")
        scoped = _one(connection, "SELECT id FROM benefit WHERE title = 'Capitals'")
        for sort_key, (period, value) in enumerate(BASELINE.items()):
            row = {"benefit_id": planned, "period": period, "sort_key": 20260 + 10 * sort_key, "planned": value * SCALE}
            _insert(connection, "profile_entry", row | {"actual": None})
            _insert(connection, "approved_baseline", row | {"approved_at": WHEN})
        _insert(
            connection,
            "profile_entry",
            {"benefit_id": scoped, "period": "2026-27", "sort_key": 20260, "planned": 700 * SCALE, "actual": None},
        )
        trail = {
            "actor_id": None,
            "entity": "benefit",
            "entity_id": planned,
            "initiative_id": initiative,
            "action": "stage_moved",
            "context": None,
            "reason": None,
        }
        moves = [
            ("Sam Scoper", "opportunity", "scoped"),
            ("Priya Patel", "scoped", "planned"),
            ("Sam Scoper", "planned", "scoped"),
            ("Late Comer", "scoped", "planned"),
        ]
        for actor, before, after in moves:
            _insert(
                connection,
                "audit_event",
                trail | {"at": WHEN, "actor": actor, "before": {"stage": before}, "after": {"stage": after}},
            )
        for code, amount in (("cs200", 100), ("CS200", 50)):
            _insert(connection, "budget", {"cost_centre": code, "year": "2026-27", "amount": amount * SCALE})
        _insert(
            connection,
            "cost_line",
            {
                "initiative_id": initiative,
                "title": "CRM licences",
                "kind": "revenue",
                "cost_centre": " ict400 ",
                "optimism_bias": 0,
            }
            | stamps,
        )
        _insert(
            connection,
            "ledger_entry",
            {
                "benefit_id": planned,
                "initiative_id": initiative,
                "period": "2026-27",
                "year": 2026,
                "starts_month": 2026 * 12 + 3,
                "route": "cash",
                "stage": "planned",
                "cost_centre": "cs200",
                "value": 1_000 * SCALE,
                "planned": 1_000 * SCALE,
                "approved": 1_000 * SCALE,
                "confirmed": 0,
                "first_of_year": 1,
            },
        )
    engine.dispose()
    return {"initiative": initiative, "planned": planned, "scoped": scoped}


def _assert_baseline_one(url: str, ids: dict[str, int]) -> None:
    assert _rows(url, "SELECT benefit_id, version, kind, approved_by FROM baseline_version") == [
        (ids["planned"], 1, "approval", "Priya Patel")
    ]
    assert sorted(_rows(url, "SELECT benefit_id, version, period, planned FROM approved_baseline")) == [
        (ids["planned"], 1, period, value * SCALE) for period, value in BASELINE.items()
    ]
    assert sorted(_rows(url, "SELECT id, baseline_version FROM benefit")) == sorted(
        [(ids["planned"], 1), (ids["scoped"], None)]
    )


def _assert_cost_centres_listed(url: str) -> None:
    assert sorted((code, bool(active)) for code, active in _rows(url, "SELECT code, active FROM cost_centre")) == [
        ("CS200", True),
        ("ICT400", True),
    ]
    assert sorted(_rows(url, "SELECT cost_centre FROM benefit")) == [("CS200",), ("CS200",)]
    assert _rows(url, "SELECT cost_centre FROM cost_line") == [("ICT400",)]
    assert _rows(url, "SELECT cost_centre FROM ledger_entry") == [("CS200",)]
    # Two budgets for one cost centre and year, spelt two ways, become one of their sum.
    assert _rows(url, "SELECT cost_centre, year, amount FROM budget") == [("CS200", "2026-27", (100 + 50) * SCALE)]


def test_the_revision_carries_old_baselines_and_cost_centres_up_down_and_up_again(
    fresh_databases: FreshDatabase,
) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url, BEFORE)
    assert not NEW_TABLES & _tables(url)
    ids = _old_rows(url)

    migrate.upgrade(url)
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
    assert migrate.current(url) == head
    _assert_baseline_one(url, ids)
    _assert_cost_centres_listed(url)
    assert sorted(_rows(url, "SELECT measured_as FROM benefit")) == [("change",), ("change",)]

    migrate.downgrade(url, BEFORE)
    assert migrate.current(url) == BEFORE
    assert not NEW_TABLES & _tables(url)
    assert "baseline_version" not in _columns(url, "benefit")
    assert sorted(_rows(url, "SELECT benefit_id, period, planned FROM approved_baseline")) == [
        (ids["planned"], period, value * SCALE) for period, value in BASELINE.items()
    ]
    assert sorted(_rows(url, "SELECT id, title, stage FROM benefit")) == sorted(
        [(ids["planned"], "Lower case", "planned"), (ids["scoped"], "Capitals", "scoped")]
    )

    migrate.upgrade(url)
    assert migrate.current(url) == head
    _assert_baseline_one(url, ids)
    _assert_cost_centres_listed(url)


def test_going_down_keeps_only_the_baseline_in_force(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url, BEFORE)
    ids = _old_rows(url)
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        _insert(
            connection,
            "baseline_version",
            {
                "benefit_id": ids["planned"],
                "version": 2,
                "kind": "rebaseline",
                "reason": "Scope cut",
                "approved_by": "Fiona Finance",
                "approved_at": WHEN,
            },
        )
        for sort_key, period in enumerate(BASELINE):
            _insert(
                connection,
                "approved_baseline",
                {
                    "benefit_id": ids["planned"],
                    "version": 2,
                    "period": period,
                    "sort_key": 20260 + 10 * sort_key,
                    "planned": 300 * SCALE,
                    "approved_at": WHEN,
                },
            )
        connection.execute(sa.text("UPDATE benefit SET baseline_version = 2 WHERE id = :id"), {"id": ids["planned"]})
    engine.dispose()

    migrate.downgrade(url, BEFORE)
    assert sorted(_rows(url, "SELECT benefit_id, period, planned FROM approved_baseline")) == [
        (ids["planned"], period, 300 * SCALE) for period in BASELINE
    ]
