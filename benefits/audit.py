"""Writing and reading the audit trail; every write in the domain goes through `record`."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import utc_now
from benefits.listing import Page
from benefits.models import AuditEvent

_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """A value as it is kept in an audit event: numbers as numbers, dates as ISO text."""
    kind = type(value)
    # The exact types first, as most values of a snapshot are (an enum is a subclass, so it is not among them).
    if kind in _PLAIN:
        return value
    if kind is dict:  # plain items kept without a call each: a bulk import converts a million of them
        return {key: item if type(item) in _PLAIN else jsonable(item) for key, item in value.items()}
    if kind is Decimal:
        return float(value)
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


def record_many(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    initiative_id: int | None,
    changes: Sequence[tuple[int, dict[str, Any] | None, dict[str, Any] | None]],
    reason: str | None = None,
) -> None:
    """Append one event per (entity id, before, after), in one statement: for changes made in bulk (imports)."""
    rows = event_rows(
        actor=actor, action=action, entity=entity, initiative_id=initiative_id, changes=changes, reason=reason
    )
    if rows:
        session.execute(sa.insert(AuditEvent.__table__), rows)  # type: ignore[attr-defined]


def event_rows(
    *,
    actor: Actor,
    action: str,
    entity: str,
    initiative_id: int | None,
    changes: Sequence[tuple[int, dict[str, Any] | None, dict[str, Any] | None]],
    reason: str | None = None,
) -> list[dict[str, Any]]:
    """The audit_event rows for changes made in bulk, one per (entity id, before, after), all at the same time.

    They hold what `record` would keep for each change; the caller inserts them (COPY on PostgreSQL).
    """
    at = utc_now()
    return [
        {"at": at, "actor": actor.name, "actor_id": actor.person_id, "action": action, "entity": entity,
         "entity_id": entity_id, "initiative_id": initiative_id, "before": jsonable(before),
         "after": jsonable(after), "context": None, "reason": reason or None}
        for entity_id, before, after in changes
    ]  # fmt: skip


def events_about(entity: str, entity_id: int) -> SelectOfScalar[AuditEvent]:
    """The query for every event about one thing, oldest first."""
    return (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(col(AuditEvent.id))
    )


def events_for(*, session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    """Every event about one thing, oldest first."""
    return list(session.exec(events_about(entity, entity_id)).all())


class Touchable(Protocol):
    """A stored row with a last-changed time (saving it bumps its version)."""

    updated_at: datetime


def record_update(
    *,
    session: Session,
    actor: Actor,
    row: Touchable,
    entity: str,
    entity_id: int,
    initiative_id: int | None,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str | None = None,
) -> bool:
    """If any field changed: stamp the row (so its version moves), flush, and record before and after.

    Returns whether anything changed; an edit that changes nothing leaves no event and keeps the ETag.
    """
    old, new = changed_fields(jsonable(before), jsonable(after))
    if not new:
        return False
    row.updated_at = utc_now()
    session.flush()
    record(
        session=session,
        actor=actor,
        action="updated",
        entity=entity,
        entity_id=entity_id,
        initiative_id=initiative_id,
        before=old,
        after=new,
        reason=reason,
    )
    return True


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose values differ, as (before, after) dictionaries."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def list_events(
    *,
    session: Session,
    actor: Actor,
    limit: int,
    offset: int,
    entity: str | None = None,
    entity_id: int | None = None,
    person_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[AuditEvent]:
    """A page of the trail, oldest first, filtered by entity and id, person and time (admin, finance, board)."""
    require(session=session, actor=actor, action=Action.read_audit)
    conditions = []
    if entity is not None:
        conditions.append(col(AuditEvent.entity) == entity)
    if entity_id is not None:
        conditions.append(col(AuditEvent.entity_id) == entity_id)
    if person_id is not None:
        conditions.append(col(AuditEvent.actor_id) == person_id)
    if since is not None:
        conditions.append(col(AuditEvent.at) >= since)
    if until is not None:
        conditions.append(col(AuditEvent.at) < until)
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    items = session.exec(
        select(AuditEvent).where(*conditions).order_by(col(AuditEvent.id)).limit(limit).offset(offset)
    ).all()
    return Page(items=list(items), total=total, limit=limit, offset=offset)
