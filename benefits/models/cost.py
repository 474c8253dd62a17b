"""Cost lines of an initiative: capital or revenue, by period, with an optimism-bias uplift."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    Code,
    Computed,
    EnumText,
    Name,
    Omittable,
    PeriodLabel,
    Quantity,
    ScaledDecimal,
    Uplift,
    UtcDateTime,
    utc_now,
)


class CostKind(StrEnum):
    """Capital or revenue spending."""

    capital = "capital"
    revenue = "revenue"


class CostAmountIn(BaseModel):
    """A cost line's amount for one period."""

    model_config = {"extra": "forbid"}

    period: PeriodLabel
    amount: Quantity


class CostAmountRead(BaseModel):
    """A cost line's amount for one period, and with the uplift."""

    period: str
    amount: Quantity
    uplifted: Computed


class CostLineCreate(SQLModel):
    """A new cost line."""

    model_config = FORBID_UNKNOWN

    title: Name
    kind: CostKind
    cost_centre: Code | None = None
    optimism_bias: Uplift = Decimal(0)
    profile: list[CostAmountIn] = PydanticField(default_factory=list, max_length=400)


class CostLineUpdate(SQLModel):
    """A partial change to a cost line; a profile sent replaces the whole profile."""

    model_config = FORBID_UNKNOWN

    title: Omittable[Name] = None
    kind: Omittable[CostKind] = None
    cost_centre: Code | None = None
    optimism_bias: Omittable[Uplift] = None
    profile: Omittable[Annotated[list[CostAmountIn], PydanticField(max_length=400)]] = None


class CostLine(SQLModel, table=True):
    """A cost line as stored."""

    __tablename__ = "cost_line"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    title: str = Field(max_length=200)
    kind: CostKind = Field(sa_type=EnumText(CostKind, 12))
    cost_centre: str | None = Field(default=None, max_length=40)
    optimism_bias: Decimal = Field(default=Decimal(0), sa_type=ScaledDecimal)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class CostAmount(SQLModel, table=True):
    """One period's amount of a cost line."""

    __tablename__ = "cost_amount"
    __table_args__ = (sa.UniqueConstraint("cost_line_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    cost_line_id: int = Field(foreign_key="cost_line.id", ondelete="CASCADE", index=True)
    period: str = Field(max_length=12)
    sort_key: int
    amount: Decimal = Field(sa_type=ScaledDecimal)


class CostLineRead(BaseModel):
    """A cost line as the API returns it."""

    id: int
    initiative_id: int
    title: str
    kind: CostKind
    cost_centre: str | None
    optimism_bias: Quantity
    version: int
    profile: list[CostAmountRead]
    total: Computed
    uplifted_total: Computed


class OptimismBiasReference(BaseModel):
    """The Green Book's published upper bounds for optimism bias, by project type."""

    project_type: str
    works_duration: float | None
    capital_expenditure: float
