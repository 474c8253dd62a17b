"""Performance measures: a time series of observations tied to a model node and to the benefits it evidences."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    Code,
    Day,
    EnumText,
    LongText,
    Name,
    NodeName,
    Omittable,
    Quantity,
    Reason,
    RowId,
    ScaledDecimal,
    ShortText,
    UtcDateTime,
    YesNo,
    utc_now,
)
from benefits.models.person import named_person
from benefits.xmr import Assurance, Direction

MAX_OBSERVATIONS_PER_CALL = 10_000
MAX_REPHASES = 50


class Cadence(StrEnum):
    """How often a measure is observed."""

    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    yearly = "yearly"


class MeasureBase(SQLModel):
    """Fields a measure's owner edits."""

    name: Name = Field(max_length=200)
    unit: ShortText = Field(default="", max_length=200, description="What one observation counts: calls, %, ...")
    direction: Direction = Field(
        default=Direction.neutral,
        sa_type=EnumText(Direction, 12),
        description="Which way is improvement: increase, decrease or neutral.",
    )
    model_node: NodeName | None = Field(
        default=None, max_length=60, description="The model node the measure evidences."
    )
    description: LongText = Field(default="", sa_type=sa.Text)
    owner: ShortText | None = named_person()
    cadence: Cadence = Field(
        default=Cadence.monthly, sa_type=EnumText(Cadence, 12), description="How often it is observed."
    )
    target: Quantity | None = Field(
        default=None, sa_type=ScaledDecimal, description="The value aimed for, in the measure's unit."
    )
    baseline_points: int | None = Field(
        default=None, ge=2, le=1000, description="Fix each phase's limits from its first N points."
    )
    screen_outliers: YesNo = Field(default=False, description="Screen moving ranges at or above 3.267 x their mean.")


class MeasureCreate(MeasureBase):
    """A new measure of an initiative, with the benefits it evidences and the chart's re-phase dates."""

    model_config = FORBID_UNKNOWN

    initiative_id: RowId
    owner_id: RowId | None = PydanticField(default=None, description="The owner by id, instead of by name or e-mail.")
    benefit_ids: list[RowId] = PydanticField(
        default_factory=list, max_length=500, json_schema_extra={"uniqueItems": True}
    )
    rephase: list[Day] = PydanticField(default_factory=list, max_length=MAX_REPHASES)


class MeasureUpdate(SQLModel):
    """A partial change to a measure; lists sent replace the whole list."""

    model_config = FORBID_UNKNOWN

    name: Omittable[Name] = None
    unit: Omittable[ShortText] = None
    direction: Omittable[Direction] = None
    model_node: NodeName | None = None
    description: Omittable[LongText] = None
    owner: ShortText | None = None
    owner_id: RowId | None = PydanticField(default=None, description="The owner by id, instead of by name or e-mail.")
    cadence: Omittable[Cadence] = None
    target: Quantity | None = None
    baseline_points: int | None = PydanticField(default=None, ge=2, le=1000)
    screen_outliers: Omittable[YesNo] = None
    benefit_ids: list[RowId] | None = PydanticField(
        default=None, max_length=500, json_schema_extra={"uniqueItems": True}
    )
    rephase: list[Day] | None = PydanticField(default=None, max_length=MAX_REPHASES)
    reason: Reason | None = None


class Measure(MeasureBase, table=True):
    """A measure as stored."""

    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    owner_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    rephase: list[str] = Field(default_factory=list, sa_type=sa.JSON, description="ISO dates that start a phase.")
    version: int = Field(default=1)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class MeasureBenefit(SQLModel, table=True):
    """A benefit that a measure evidences."""

    __tablename__ = "measure_benefit"

    measure_id: int = Field(foreign_key="measure.id", ondelete="CASCADE", primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", primary_key=True, index=True)


class Observation(SQLModel, table=True):
    """One observation of a measure: one value a date."""

    __table_args__ = (sa.UniqueConstraint("measure_id", "observed_on"),)

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", ondelete="CASCADE", index=True)
    observed_on: dt.date
    value: Decimal = Field(sa_type=ScaledDecimal)
    note: str = Field(default="", sa_type=sa.Text)


class ObservationIn(BaseModel):
    """One observation as a client sends it; a date already recorded is replaced (sending it twice is harmless)."""

    model_config = {"extra": "forbid"}

    date: Day
    value: Quantity
    note: LongText = ""


class ObservationRead(BaseModel):
    """One observation as the API returns it."""

    date: dt.date
    value: Quantity
    note: str


class ObservationsRecorded(BaseModel):
    """What a batch of observations did."""

    added: int
    changed: int
    unchanged: int
    observations: int = PydanticField(description="The measure's observations after the batch.")


class MeasureRead(MeasureBase):
    """A measure as the API returns it."""

    id: int
    initiative_id: int
    owner_id: int | None = PydanticField(default=None, description="The person who owns the measure.")
    benefit_ids: list[int]
    rephase: list[dt.date]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    observations: int
    last_observed: dt.date | None


class ChartPointRead(BaseModel):
    """One point of an XmR chart."""

    date: dt.date
    value: float
    moving_range: float | None
    phase: int
    mean: float
    lpl: float
    upl: float
    signal: str | None = PydanticField(description="outside_limits, trend, two_of_three or run; null if none.")
    point_type: str


class PhaseRead(BaseModel):
    """One phase of a chart: where it starts and its limits."""

    starts: dt.date
    points: int
    mean: float
    mean_moving_range: float
    lpl: float
    upl: float
    upper_range_limit: float = PydanticField(description="The moving-range chart's limit: 3.268 x the mean.")
    screened_moving_ranges: int


class ChartRead(BaseModel):
    """An XmR chart of a measure, with what it says in words."""

    measure_id: int
    direction: Direction
    baseline_points: int | None
    rephase: list[dt.date]
    screen_outliers: bool
    trial: bool = PydanticField(description="True when any phase's limits come from fewer than 12 points.")
    phases: list[PhaseRead]
    points: list[ChartPointRead]
    summary: str
    target: float | None = PydanticField(default=None, description="The measure's target, if it has one.")
    assurance: Assurance | None = PydanticField(
        default=None,
        description="Against the latest phase's limits: hit_and_miss, consistently_fail or consistently_pass; "
        "null without a target, observations or a better direction.",
    )
    assurance_text: str = PydanticField(default="", description="The assurance reading in words.")


class AssumptionFromMeasure(BaseModel):
    """Set a model assumption to the mean of the measure's latest points."""

    model_config = {"extra": "forbid"}

    assumption: Code | None = PydanticField(default=None, description="Defaults to the measure's model node.")
    last_points: int = PydanticField(default=12, ge=1, le=1000)
    reason: Reason | None = None


class AssumptionUpdated(BaseModel):
    """What setting an assumption from a measure did."""

    assumption: str
    previous: float | None
    value: float
    points: int
    model_version: int


class ActualsFromMeasure(BaseModel):
    """Derive a benefit's actuals per period from a measure it is linked to, against the benefit's baseline.

    Each period's actual is the improvement on the baseline (the measure's direction says which way is better):
    `mean` compares the period's mean with the baseline; `sum` adds each observation's difference from it
    (a monthly baseline summed over a year's months). `multiplier` turns the measure's unit into the benefit's.
    """

    model_config = {"extra": "forbid"}

    measure_id: RowId
    aggregate: Literal["mean", "sum"] = "mean"
    multiplier: Quantity = Decimal(1)
    reason: Reason | None = None
