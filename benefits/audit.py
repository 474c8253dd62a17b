"""Writing and reading the audit trail; every write in the domain goes through `record`."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import Session, col, select

from benefits.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a person's name, and their id once people are accounts."""

    name: str
    person_id: int | None = None


def jsonable(value: Any) -> Any:
    """A value as it is kept in an audit event: numbers as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    initiative_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event to the trail (flushed with the change it describes, never committed here)."""
    event = AuditEvent(
        actor=actor.name,
        actor_id=actor.person_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        initiative_id=initiative_id,
        before=jsonable(before),
        after=jsonable(after),
        context=jsonable(context),
        reason=reason or None,
    )
    session.add(event)
    return event


def events_for(*, session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    """Every event about one thing, oldest first."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(col(AuditEvent.id))
    )
    return list(session.exec(statement).all())


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose values differ, as (before, after) dictionaries."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
