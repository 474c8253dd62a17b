"""Initiatives: a programme or project whose benefits are tracked and appraised."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, Relationship, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    Day,
    EnumText,
    LongText,
    Name,
    Omittable,
    RowId,
    ScaledDecimal,
    Share,
    ShortText,
    UtcDateTime,
    YearLabel,
    utc_now,
)
from benefits.models.person import named_person, person_link
from benefits.periods import Granularity

if TYPE_CHECKING:
    from benefits.models.benefit import Benefit


class ScheduleKey(StrEnum):
    """Which discount schedule an appraisal uses."""

    green_book = "green_book"
    green_book_health = "green_book_health"
    flat = "flat"


class InitiativeBase(SQLModel):
    """Fields an initiative's owner edits."""

    name: Name = Field(max_length=200)
    description: LongText = Field(default="", sa_type=sa.Text)
    sponsor: ShortText | None = named_person()
    sponsor_id: int | None = person_link("The person who sponsors the initiative.")
    owner: ShortText | None = named_person()
    owner_id: int | None = person_link("The person who owns the initiative (a programme manager edits what they own).")
    start_date: Day | None = None
    end_date: Day | None = None
    fy_start_month: int = Field(default=4, ge=1, le=12, description="Month the financial year starts (4 = April).")
    base_year: YearLabel | None = Field(
        default=None, max_length=12, description="Year 0 of the appraisal, a financial year such as 2026-27."
    )
    discount_schedule: ScheduleKey | None = Field(
        default=None,
        sa_type=EnumText(ScheduleKey, 20),
        description="green_book, green_book_health or flat; unset: the portfolio's default.",
    )
    discount_rate: Share | None = Field(
        default=None, sa_type=ScaledDecimal, description="The rate of a flat schedule, e.g. 0.035."
    )
    granularity: Granularity = Field(
        default=Granularity.year,
        sa_type=EnumText(Granularity, 12),
        description="Profiles by financial year or by quarter.",
    )


class InitiativeCreate(InitiativeBase):
    """What a client sends to create an initiative."""

    model_config = FORBID_UNKNOWN

    # An id, as everywhere a client sends one: true is not the row 1.
    owner_id: RowId | None = Field(
        default=None, description="The person who owns the initiative (a programme manager edits what they own)."
    )
    sponsor_id: RowId | None = Field(default=None, description="The person who sponsors the initiative.")


class InitiativeUpdate(SQLModel):
    """A partial change to an initiative; only the fields sent change."""

    model_config = FORBID_UNKNOWN

    name: Omittable[Name] = None
    description: Omittable[LongText] = None
    sponsor: ShortText | None = None
    sponsor_id: RowId | None = None
    owner: ShortText | None = None
    owner_id: RowId | None = None
    discount_schedule: ScheduleKey | None = None
    discount_rate: Share | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    fy_start_month: Omittable[Annotated[int, PydanticField(ge=1, le=12)]] = None
    base_year: YearLabel | None = None
    granularity: Omittable[Granularity] = None


class Initiative(InitiativeBase, table=True):
    """An initiative as stored."""

    # Ids are never reused on SQLite either, so the audit trail of a deleted initiative stays its own.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    benefits: list["Benefit"] = Relationship(
        back_populates="initiative",
        sa_relationship_kwargs={"lazy": "raise", "cascade": "all, delete-orphan", "passive_deletes": True},
    )

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        # SQLAlchemy bumps `version` on every UPDATE and refuses one made from a stale read.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class InitiativeRead(InitiativeBase):
    """An initiative as the API returns it."""

    id: int
    version: int
    created_at: datetime
    updated_at: datetime
