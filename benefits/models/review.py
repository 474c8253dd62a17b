"""Board reviews: who met, what they decided, and a snapshot of the register as it stood."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, PlainSerializer
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import FORBID_UNKNOWN, Day, LongText, Name, RowId, ShortText, UtcDateTime, utc_now

# A total read from a snapshot: exact, written to JSON as a number.
Amount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ActionStatus(StrEnum):
    """Where a board's action stands: open until it is done, or dropped."""

    open = "open"
    done = "done"
    dropped = "dropped"


class ActionItem(BaseModel):
    """An action the board agreed, with its owner and where it stands."""

    model_config = {"extra": "forbid"}

    action: Name
    owner: Name
    due: Day | None = None
    status: ActionStatus = ActionStatus.open


class ActionRead(BaseModel):
    """An action as a review shows it: its number in the review, and the review it was carried from, if any."""

    # Plain text, not the checked types: a review keeps the actions an older version stored before text was
    # checked, and reading one back must show it rather than fail the whole review.
    action: str
    owner: str
    owner_id: int | None = PydanticField(default=None, description="The person who owns the action.")
    due: dt.date | None = None
    status: ActionStatus = ActionStatus.open
    number: int = PydanticField(description="Its place in the review's actions, from 1.")
    carried_from: int | None = PydanticField(default=None, description="The earlier review that agreed it.")


class ActionUpdate(BaseModel):
    """A change to an action's status, with an optional note of why."""

    model_config = {"extra": "forbid"}

    status: ActionStatus
    note: ShortText = ""


class ReviewCreate(SQLModel):
    """A board review as a client records it; the register's snapshot is taken when it is recorded."""

    model_config = FORBID_UNKNOWN

    initiative_id: RowId | None = PydanticField(default=None, description="Null for a review of the portfolio.")
    held_on: Day
    title: ShortText = ""
    attendees: list[Name] = PydanticField(default_factory=list, max_length=100)
    decisions: list[LongText] = PydanticField(default_factory=list, max_length=200)
    actions: list[ActionItem] = PydanticField(default_factory=list, max_length=200)
    notes: LongText = ""


class Review(SQLModel, table=True):
    """A board review as stored, with its snapshot of the register."""

    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", ondelete="CASCADE", index=True)
    held_on: dt.date
    title: str = Field(default="", max_length=200)
    attendees: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    decisions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    notes: str = Field(default="", sa_type=sa.Text)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    recorded_by: str = Field(max_length=200)
    recorded_at: dt.datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class VarianceRead(BaseModel):
    """A benefit's forecast against its approved baseline, and its status by the documented rule."""

    benefit_id: int
    title: str
    approved_baseline: Amount
    forecast: Amount = PydanticField(description="Actuals where recorded, planned otherwise.")
    variance: Amount
    variance_share: float | None = PydanticField(description="Variance over the approved baseline's size.")
    status: str = PydanticField(description="on_track, at_risk or off_track.")
    measured_as: str = PydanticField(
        default="change", description="change: totals compared; level: the last period's level compared."
    )
    baseline_version: int = PydanticField(default=1, description="The approved baseline in force.")
    original_baseline: Amount = PydanticField(description="Baseline 1, as first approved.")
    original_variance: Amount = PydanticField(description="The forecast less baseline 1.")
    original_variance_share: float | None
    original_status: str = PydanticField(description="The status against baseline 1.")


class ReviewRead(BaseModel):
    """A board review as the API returns it, with each benefit's variance against its approved baseline."""

    id: int
    initiative_id: int | None
    held_on: dt.date
    title: str
    attendees: list[str]
    decisions: list[str]
    actions: list[ActionRead]
    notes: str
    recorded_by: str
    recorded_at: dt.datetime
    benefits: int = PydanticField(description="Benefits in the snapshot.")
    variances: list[VarianceRead]


class StageMoveRead(BaseModel):
    """A benefit whose stage moved between two reviews, with each move's reason."""

    benefit_id: int
    title: str
    stage_before: str | None
    stage_after: str
    moves: list[dict[str, Any]]


class ValueChangeRead(BaseModel):
    """A figure that changed between two reviews: old, new and the difference."""

    benefit_id: int
    title: str
    old: Amount
    new: Amount
    difference: Amount


class BenefitNoteRead(BaseModel):
    """A benefit added or withdrawn between two reviews."""

    benefit_id: int
    title: str
    stage: str
    detail: str | None = None


class RouteDecisionRead(BaseModel):
    """A realisation route that changed between two reviews."""

    benefit_id: int
    title: str
    old: str | None
    new: str | None


class SignalRead(BaseModel):
    """A special-cause signal that appeared on a measure between two reviews."""

    measure_id: int
    measure: str
    date: dt.date
    signal: str
    point_type: str


class ChangesRead(BaseModel):
    """What changed between the previous review of the same scope and this one."""

    review_id: int
    previous_review_id: int | None
    since: dt.datetime | None
    until: dt.datetime
    benefits_added: list[BenefitNoteRead]
    benefits_withdrawn: list[BenefitNoteRead]
    benefits_removed: list[BenefitNoteRead] = PydanticField(description="Benefits deleted since the last review.")
    stage_moves: list[StageMoveRead]
    reforecasts: list[ValueChangeRead]
    routes_decided: list[RouteDecisionRead]
    cash_confirmed: list[ValueChangeRead]
    redeployment_confirmed: list[ValueChangeRead] = PydanticField(default_factory=list)
    rebaselines: list[ValueChangeRead] = PydanticField(
        default_factory=list, description="Benefits re-baselined since the last review: old and new baseline."
    )
    signals: list[SignalRead]
