"""Demand: the reference lists (services, channels, demand types, segments), contact counts and cost per contact."""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, StringConstraints, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    Computed,
    Day,
    EnumText,
    Name,
    NodeName,
    Omittable,
    RequiredReason,
    ScaledDecimal,
    UtcDateTime,
    YesNo,
    utc_now,
)

# A reference's code: lower-case letters, digits, - and _ (an export may name the entry by code or by name).
ReferenceCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$"),
]


class Grain(StrEnum):
    """How long the period of a contact count is: a day, a week (from its Monday) or a month (from its first)."""

    day = "day"
    week = "week"
    month = "month"


class _Reference(SQLModel):
    """What every entry of a reference list holds: a stable code and the name people read."""

    code: str = Field(max_length=40, unique=True, description="Lower case; an import matches it, or the name.")
    name: str = Field(max_length=200, unique=True)


class DemandService(_Reference, table=True):
    """A service of the organisation's catalogue whose contacts are counted."""

    __tablename__ = "demand_service"

    id: int | None = Field(default=None, primary_key=True)


class DemandChannel(_Reference, table=True):
    """A channel contact arrives by: face to face, phone, web, e-mail, post, app (editable)."""

    __tablename__ = "demand_channel"

    id: int | None = Field(default=None, primary_key=True)


class DemandType(_Reference, table=True):
    """A kind of demand: value demand, or an avoidable (failure) kind such as progress chasing."""

    __tablename__ = "demand_type"

    id: int | None = Field(default=None, primary_key=True)
    avoidable: bool = Field(default=False, description="Counted as avoidable contact (NI14).")


class DemandSegment(_Reference, table=True):
    """A customer segment contacts may be counted by (residents, businesses, landlords ...)."""

    __tablename__ = "demand_segment"

    id: int | None = Field(default=None, primary_key=True)


class ReferenceCreate(SQLModel):
    """A new service, channel or segment: its code and its name."""

    model_config = FORBID_UNKNOWN

    code: ReferenceCode
    name: Name

    @field_validator("code")
    @classmethod
    def _not_the_upload_address(cls, code: str) -> str:
        # /api/v1/demand/{list}/import is where a whole list is uploaded, so no entry can be read or changed there.
        if code == "import":
            raise ValueError("the code import is the list's upload address: choose another code")
        return code


class DemandTypeCreate(ReferenceCreate):
    """A new demand type: its code, its name, and whether it counts as avoidable contact (NI14)."""

    avoidable: YesNo = PydanticField(default=False, description="Counted as avoidable contact (NI14).")


class ReferenceUpdate(SQLModel):
    """A change to a service, channel or segment; its code never changes, since loads match on it."""

    model_config = FORBID_UNKNOWN

    name: Omittable[Name] = None


class DemandTypeUpdate(ReferenceUpdate):
    """A change to a demand type: its name, or whether it counts as avoidable contact."""

    avoidable: Omittable[YesNo] = None


class ReferenceRead(BaseModel):
    """An entry of a reference list as the API returns it (`avoidable` is null except for demand types)."""

    id: int
    code: str
    name: str
    avoidable: bool | None = None


class ContactCount(SQLModel, table=True):
    """Contacts of one period, service, channel, demand type and (optionally) segment: one row per key."""

    __tablename__ = "contact_count"
    __table_args__ = (
        sa.UniqueConstraint(
            "period_start", "grain", "service_id", "channel_id", "demand_type_id", "segment_id", name="uq_contact_key"
        ),
        # Two NULL segments are distinct to a unique constraint on both databases: counts without a segment are kept
        # unique by this partial index.
        sa.Index(
            "uq_contact_key_no_segment",
            "period_start",
            "grain",
            "service_id",
            "channel_id",
            "demand_type_id",
            unique=True,
            sqlite_where=sa.text("segment_id IS NULL"),
            postgresql_where=sa.text("segment_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_start: dt.date
    grain: Grain = Field(sa_type=EnumText(Grain, 8))
    # No index beyond the key's: each would slow a load of millions of rows, and the analysis reads `contact_month`.
    month: int = Field(description="The month the period starts in, as year x 12 + month - 1.")
    service_id: int = Field(foreign_key="demand_service.id", ondelete="RESTRICT")
    channel_id: int = Field(foreign_key="demand_channel.id", ondelete="RESTRICT")
    demand_type_id: int = Field(foreign_key="demand_type.id", ondelete="RESTRICT")
    segment_id: int | None = Field(default=None, foreign_key="demand_segment.id", ondelete="RESTRICT")
    count: int = Field(sa_type=sa.BigInteger)
    handling_minutes: Decimal | None = Field(default=None, sa_type=ScaledDecimal, description="In all, not each.")


class ContactMonth(SQLModel, table=True):
    """The contact counts summed by month (whatever their grain): what the analysis reads.

    Kept by `benefits.demand_import` for the months each load touches, so a year of daily rows is read as its
    monthly totals, some thirty times fewer rows.
    """

    __tablename__ = "contact_month"
    __table_args__ = (
        sa.Index("ix_contact_month_service", "service_id", "month", "demand_type_id", "contacts", "handling_minutes"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: int = Field(index=True)
    service_id: int = Field(foreign_key="demand_service.id", ondelete="CASCADE")
    channel_id: int = Field(foreign_key="demand_channel.id", ondelete="CASCADE", index=True)
    demand_type_id: int = Field(foreign_key="demand_type.id", ondelete="CASCADE", index=True)
    segment_id: int | None = Field(default=None, foreign_key="demand_segment.id", ondelete="CASCADE", index=True)
    contacts: int = Field(sa_type=sa.BigInteger)
    handling_minutes: int = Field(default=0, sa_type=sa.BigInteger, description="Whole ten-thousandths of a minute.")
    timed_contacts: int = Field(default=0, sa_type=sa.BigInteger, description="Contacts whose handling time is known.")


class ContactIn(BaseModel):
    """One contact count as a client sends it: references by code or name."""

    model_config = {"extra": "forbid"}

    period_start: Day = PydanticField(description="Any day of the period: it is kept as the period's first day.")
    grain: Grain = Grain.month
    service: Name
    channel: Name
    demand_type: Name
    segment: Name | None = None
    count: int = PydanticField(ge=0, le=10**12)
    # Numbers only (strict): the schema says a number, so "12" is refused rather than read as one.
    handling_minutes: float | None = PydanticField(
        default=None, ge=0, le=1e12, allow_inf_nan=False, strict=True, description="In all, not each."
    )


class ContactRead(BaseModel):
    """One contact count as the API returns it."""

    period_start: dt.date
    grain: Grain
    service: str
    channel: str
    demand_type: str
    segment: str | None
    count: int
    handling_minutes: Computed | None


class ContactsLoaded(BaseModel):
    """What a load of contact counts did: rows added, rows whose key was there already (replaced), months touched."""

    added: int
    replaced: int
    months: int


class ChannelCost(SQLModel, table=True):
    """The organisation's cost per contact of one channel, from a date, with where the figure comes from."""

    __tablename__ = "channel_cost"
    __table_args__ = (sa.UniqueConstraint("channel_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="demand_channel.id", ondelete="CASCADE", index=True)
    valid_from: dt.date
    cost: Decimal = Field(sa_type=ScaledDecimal, description="GBP per contact.")
    source: str = Field(sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ChannelCostIn(BaseModel):
    """A cost per contact of a channel from a date, with its source (required: a cost nobody can trace is refused)."""

    model_config = {"extra": "forbid"}

    channel: Name
    valid_from: Day
    cost: float = PydanticField(ge=0, le=100_000, allow_inf_nan=False, strict=True, description="GBP per contact.")
    source: RequiredReason = PydanticField(description="Where the figure comes from: a study, a report, a date.")


class ChannelCostRead(BaseModel):
    """A cost per contact as the API returns it."""

    channel: str
    valid_from: dt.date
    cost: Computed
    source: str


class DemandFigure(StrEnum):
    """A figure computed from contact counts, as a monthly series."""

    contacts = "contacts"
    avoidable_contacts = "avoidable_contacts"
    avoidable_share = "avoidable_share"
    handling_minutes = "handling_minutes"
    cost_to_serve = "cost_to_serve"


class DemandMeasure(SQLModel, table=True):
    """A measure whose observations are computed from the contact counts: its figure and its filters."""

    __tablename__ = "demand_measure"

    measure_id: int = Field(foreign_key="measure.id", ondelete="CASCADE", primary_key=True)
    figure: DemandFigure = Field(sa_type=EnumText(DemandFigure, 24))
    services: list[str] = Field(default_factory=list, sa_type=sa.JSON, description="Service codes; none: all.")
    channels: list[str] = Field(default_factory=list, sa_type=sa.JSON, description="Channel codes; none: all.")
    segments: list[str] = Field(default_factory=list, sa_type=sa.JSON, description="Segment codes; none: all.")


class ChannelFigures(BaseModel):
    """One channel's contacts, its share of all contacts, and its cost to serve where a cost is kept."""

    channel: str
    contacts: int
    share: Computed | None = PydanticField(description="Of all contacts under the filter, from 0 to 1.")
    cost: Computed | None = PydanticField(description="GBP; null when a month has no cost per contact in force.")


class DemandSummary(BaseModel):
    """What the counts under a filter say: volumes, NI14's avoidable share, handling time, channel mix, cost."""

    contacts: int
    avoidable_contacts: int
    avoidable_share: Computed | None = PydanticField(description="Avoidable contacts over all contacts (NI14).")
    definition: str = PydanticField(description="How the avoidable share is defined.")
    handling_minutes: Computed
    timed_contacts: int = PydanticField(description="Contacts whose handling minutes were counted.")
    minutes_per_contact: Computed | None
    channels: list[ChannelFigures] = PydanticField(description="The channel mix, by channel code.")
    cost_to_serve: Computed | None = PydanticField(
        description="GBP: each month's contacts by channel at the cost per contact in force; null if any is missing."
    )
    uncosted_channels: list[str] = PydanticField(description="Channels with contacts but no cost per contact kept.")
    first_month: dt.date | None
    last_month: dt.date | None


class SeriesPoint(BaseModel):
    """One month of a figure's series, on its XmR chart."""

    date: dt.date
    value: float
    mean: float
    lpl: float
    upl: float
    signal: str | None
    point_type: str


class DemandSeries(BaseModel):
    """A figure month by month with its XmR chart, and the chart in words."""

    figure: DemandFigure
    definition: str | None
    points: list[SeriesPoint]
    summary: str


class DemandMeasureIn(BaseModel):
    """Feed a measure from the contact counts: the figure, and the services, channels and segments it is over."""

    model_config = {"extra": "forbid"}

    figure: DemandFigure
    services: list[ReferenceCode] = PydanticField(default_factory=list, max_length=500)
    channels: list[ReferenceCode] = PydanticField(default_factory=list, max_length=50)
    segments: list[ReferenceCode] = PydanticField(default_factory=list, max_length=50)


class ReferenceCost(BaseModel):
    """A published cost per contact, a suggestion only, with its citation."""

    channel: str
    cost: Computed
    currency: str
    citation: str


class ChannelCostsRead(BaseModel):
    """The costs per contact the organisation keeps, and published figures it may compare them with."""

    kept: list[ChannelCostRead]
    suggestions: list[ReferenceCost]


class DemandAssumption(SQLModel, table=True):
    """A model assumption bound to a demand figure: refreshed, it takes the figure's value from the counts."""

    __tablename__ = "demand_assumption"
    __table_args__ = (sa.UniqueConstraint("initiative_id", "assumption"),)

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    assumption: str = Field(max_length=60)
    figure: DemandFigure = Field(sa_type=EnumText(DemandFigure, 24))
    services: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    channels: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    segments: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    months: int = Field(default=12, description="How many months, back from the last counted (or before `until`).")
    until: dt.date | None = Field(default=None, description="Only months before this day (a go-live, say).")
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class DemandAssumptionIn(BaseModel):
    """Bind a model assumption to a demand figure: volumes and costs are a year's worth, the share is over the span.

    For example: phone contacts a year for these services over the last 12 months; the avoidable share for these
    services over the 12 months before the go-live.
    """

    model_config = {"extra": "forbid"}

    assumption: NodeName
    figure: DemandFigure
    services: list[ReferenceCode] = PydanticField(default_factory=list, max_length=500)
    channels: list[ReferenceCode] = PydanticField(default_factory=list, max_length=50)
    segments: list[ReferenceCode] = PydanticField(default_factory=list, max_length=50)
    months: int = PydanticField(default=12, ge=1, le=120)
    until: Day | None = None


class DemandAssumptionRead(BaseModel):
    """A bound assumption, and the value its figure takes from the counts as they stand."""

    assumption: str
    figure: DemandFigure
    services: list[str]
    channels: list[str]
    segments: list[str]
    months: int
    until: dt.date | None
    value: float | None = PydanticField(description="Null while the span holds no counts.")
    span: str = PydanticField(description="The months the value is taken over, in words.")


class BenefitSegment(SQLModel, table=True):
    """A customer segment a benefit reaches (who gains)."""

    __tablename__ = "benefit_segment"

    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", primary_key=True)
    segment_id: int = Field(foreign_key="demand_segment.id", ondelete="CASCADE", primary_key=True, index=True)


class MeasureSegment(SQLModel, table=True):
    """A customer segment a measure is about."""

    __tablename__ = "measure_segment"

    measure_id: int = Field(foreign_key="measure.id", ondelete="CASCADE", primary_key=True)
    segment_id: int = Field(foreign_key="demand_segment.id", ondelete="CASCADE", primary_key=True, index=True)


class SegmentTags(BaseModel):
    """The customer segments a benefit or measure is tagged with, by code (a list sent replaces the list)."""

    model_config = {"extra": "forbid"}

    segments: list[ReferenceCode] = PydanticField(max_length=50, json_schema_extra={"uniqueItems": True})


class TaggedIds(BaseModel):
    """The benefits or measures tagged with any of the segments asked for."""

    ids: list[int]
