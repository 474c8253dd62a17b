"""The append-only audit trail: who changed what, when, and why."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from benefits.columns import UtcDateTime, utc_now


class AuditEvent(SQLModel, table=True):
    """One change, as it happened; never edited or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
    actor: str = Field(max_length=200)
    actor_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: int
    initiative_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    context: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    reason: str | None = Field(default=None, sa_type=sa.Text)


class AuditEventRead(SQLModel):
    """One event of a history as the API returns it."""

    id: int
    at: datetime
    actor: str
    actor_id: int | None
    action: str
    entity: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    context: dict[str, Any] | None
    reason: str | None
