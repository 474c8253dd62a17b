"""Owners are people: the person a typed name or e-mail names, and their name kept in step where they own things.

A benefit, an initiative (owner and sponsor) and a measure hold the person's id and, beside it, their name, so the
register, the workbooks and the history read without a join; renaming a person renames them everywhere.
"""

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from benefits.errors import Conflict, Problem
from benefits.models import Benefit, Initiative, Measure, Person

# (table, name column, id column) for everything a person may own or sponsor.
OWNED: list[tuple[Any, str, str]] = [
    (Benefit, "owner", "owner_id"),
    (Initiative, "owner", "owner_id"),
    (Initiative, "sponsor", "sponsor_id"),
    (Measure, "owner", "owner_id"),
]


def people_names(*, session: Session) -> list[str]:
    """Every active person's name, by name: the suggestions a form offers where an owner or sponsor is typed."""
    names = session.exec(select(Person.name).where(col(Person.active).is_(True)).order_by(col(Person.name_key)))
    return list(names)


def plain(named: str) -> str:
    """A typed name as people are found by it: spaces run together, ends trimmed."""
    return " ".join(named.split())


def _keys(named: str) -> list[str]:
    """What a typed name or e-mail is looked up by: as typed (ends trimmed), and with its spaces run together.

    A name is kept as it was given (two spaces, or a no-break space, stay), so typed exactly it must be found too.
    """
    return list(dict.fromkeys([named.strip().lower(), plain(named).lower()]))


def person_named(*, session: Session, named: str, field: str) -> Person:
    """The person whose e-mail or name (in any case) is `named`, or Conflict naming the field that names nobody."""
    keys = _keys(named)
    # Someone no longer active owns nothing new: what they own falls to the initiative's owner.
    found = session.exec(
        select(Person).where(
            sa.or_(col(Person.name_key).in_(keys), col(Person.email).in_(keys)), col(Person.active).is_(True)
        )
    ).first()
    if found is None:
        raise Conflict(f"Nobody in the service is called {plain(named)!r}.", [unknown(named, field)])
    return found


def named_pair(*, session: Session, named: str | None, field: str) -> tuple[str | None, int | None]:
    """(the person's name, their id) for a typed name or e-mail; (None, None) when it is blank."""
    if named is None or not plain(named):
        return None, None
    person = person_named(session=session, named=named, field=field)
    return person.name, person.id


def id_pair(*, session: Session, person_id: int | None, field: str) -> tuple[str | None, int | None]:
    """(the person's name, their id) for an id; (None, None) for none; Conflict when nobody has it."""
    if person_id is None:
        return None, None
    person = session.get(Person, person_id)
    if person is None:
        problem = Problem("unknown_person", f"No person {person_id}.", field)
        raise Conflict(f"There is no person {person_id}.", [problem])
    if not person.active:
        problem = Problem("person_inactive", f"{person.name} is no longer active: name someone who is.", field)
        raise Conflict(f"{person.name} is no longer active.", [problem])
    return person.name, person.id


def chosen(
    *, session: Session, named: str | None, person_id: int | None, name_field: str, id_field: str
) -> tuple[str | None, int | None]:
    """(name, id) of the person chosen by id when one is given, else by the typed name or e-mail."""
    if person_id is not None:
        return id_pair(session=session, person_id=person_id, field=id_field)
    return named_pair(session=session, named=named, field=name_field)


def fill(*, session: Session, sent: dict[str, Any], name_field: str, id_field: str) -> None:
    """Complete a sent change of owner or sponsor: an id brings the name with it; otherwise a name brings the id."""
    if id_field in sent:
        sent[name_field], sent[id_field] = id_pair(session=session, person_id=sent[id_field], field=id_field)
    elif name_field in sent:
        sent[name_field], sent[id_field] = named_pair(session=session, named=sent[name_field], field=name_field)


def rename(*, session: Session, person: Person) -> None:
    """Write a person's new name wherever they own or sponsor something."""
    for table, name_field, id_field in OWNED:
        columns = table.__table__.c
        session.execute(
            sa.update(table.__table__).where(columns[id_field] == person.id).values({name_field: person.name})
        )


class Directory:
    """The people many typed names or e-mails name, found with one query (an imported register's owners)."""

    def __init__(self, *, session: Session, typed: Iterable[str]) -> None:
        keys = {key for text in typed if text and plain(text) for key in _keys(text)}
        found = session.exec(
            select(Person).where(sa.or_(col(Person.name_key).in_(keys), col(Person.email).in_(keys)),
                                 col(Person.active).is_(True))
        ).all() if keys else []  # fmt: skip
        self.people = {key: person for person in found for key in (person.name_key, person.email) if key}

    def pair(self, named: str) -> tuple[str, int] | None:
        """(the person's name, their id), or None when nobody has the name or e-mail."""
        person = next((self.people[key] for key in _keys(named) if key in self.people), None)
        return (person.name, person.id or 0) if person is not None else None


def unknown(named: str, field: str) -> Problem:
    """The problem of a name or e-mail that names nobody, for the field that holds it."""
    return Problem(
        "person_unknown",
        f"No active person has the name or e-mail {plain(named)!r}: name someone listed on the People page, "
        "or ask an admin to add them (a named officer needs no sign-in) or make them active again.",
        field,
    )
