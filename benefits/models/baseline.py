"""Approved baselines, kept as numbered versions that are never replaced, and requests to re-baseline."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from benefits.columns import Computed, EnumText, Quantity, RequiredReason, RowId, ScaledDecimal, UtcDateTime, utc_now


class BaselineKind(StrEnum):
    """How a baseline version came to be: the first approval, or a re-baseline decided later."""

    approval = "approval"
    rebaseline = "rebaseline"


class BaselineVersion(SQLModel, table=True):
    """One approved baseline of a benefit: its number, who approved it, when and why."""

    __tablename__ = "baseline_version"
    __table_args__ = (sa.UniqueConstraint("benefit_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", index=True)
    version: int
    kind: BaselineKind = Field(sa_type=EnumText(BaselineKind, 12))
    reason: str | None = Field(default=None, sa_type=sa.Text)
    approved_by: str = Field(max_length=200)
    approved_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ApprovedBaseline(SQLModel, table=True):
    """One period of one approved baseline version; re-forecasts and re-baselines never change it."""

    __tablename__ = "approved_baseline"
    __table_args__ = (sa.UniqueConstraint("benefit_id", "version", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", index=True)
    version: int = Field(default=1)
    period: str = Field(max_length=12)
    sort_key: int
    planned: Decimal | None = Field(default=None, sa_type=ScaledDecimal)
    approved_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class BaselinePeriodRead(BaseModel):
    """One period of an approved baseline."""

    period: str
    planned: Quantity | None


class BaselineRead(BaseModel):
    """An approved baseline as the API returns it, with its periods and their total (or final level)."""

    version: int
    kind: BaselineKind
    reason: str | None
    approved_by: str
    approved_at: datetime
    total: Computed | None
    periods: list[BaselinePeriodRead]


class RebaselineCreate(BaseModel):
    """A re-baseline: the benefit's current plan becomes baseline N+1; the reason is required and kept."""

    model_config = {"extra": "forbid"}

    reason: RequiredReason
    request_id: RowId | None = None


class RequestStatus(StrEnum):
    """Where a request to re-baseline stands."""

    open = "open"
    approved = "approved"
    declined = "declined"


class RebaselineRequest(SQLModel, table=True):
    """A programme manager's request that a benefit be re-baselined, and how it was decided."""

    __tablename__ = "rebaseline_request"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", index=True)
    reason: str = Field(sa_type=sa.Text)
    requested_by: str = Field(max_length=200)
    requested_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    status: RequestStatus = Field(default=RequestStatus.open, sa_type=EnumText(RequestStatus, 10))
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision_reason: str | None = Field(default=None, sa_type=sa.Text)
    baseline_version: int | None = Field(default=None, description="The version an approval created.")


class RebaselineRequestCreate(BaseModel):
    """A request to re-baseline, with why the approved baseline no longer holds."""

    model_config = {"extra": "forbid"}

    reason: RequiredReason


class RebaselineDecline(BaseModel):
    """Declining a request to re-baseline, with the reason the requester will read."""

    model_config = {"extra": "forbid"}

    reason: RequiredReason


class RebaselineRequestRead(BaseModel):
    """A request to re-baseline as the API returns it."""

    id: int
    benefit_id: int
    reason: str
    requested_by: str
    requested_at: datetime
    status: RequestStatus
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    baseline_version: int | None
