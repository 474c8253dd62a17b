"""Budgets by cost centre and year, and the cash-versus-capacity summary as the API returns it."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, PlainSerializer, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import Code, Quantity, ScaledDecimal
from benefits.periods import parse_period


def _penny(value: Decimal) -> float:
    # Sums stay exact; only what is shown is rounded, half-up to the penny.
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


Money = Annotated[Decimal, PlainSerializer(_penny, return_type=float, when_used="json")]


class Budget(SQLModel, table=True):
    """A cost centre's budget for one financial year, as finance entered it."""

    __table_args__ = (sa.UniqueConstraint("cost_centre", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    cost_centre: str = Field(max_length=40, index=True)
    year: str = Field(max_length=7)
    amount: Decimal = Field(sa_type=ScaledDecimal)


class BudgetIn(BaseModel):
    """One budget line: a cost centre, a financial year such as 2026-27, and the amount."""

    model_config = {"extra": "forbid"}

    cost_centre: Code = PydanticField(min_length=1)
    year: str = PydanticField(max_length=7)
    amount: Quantity

    @field_validator("year")
    @classmethod
    def _financial_year(cls, year: str) -> str:
        period = parse_period(year)
        if period.quarter is not None:
            raise ValueError("a budget is for a financial year such as 2026-27")
        return period.label


class YearRoutes(BaseModel):
    """One financial year's benefits by route, and its cash planned, confirmed and at risk."""

    year: str
    cash: Money
    capacity: Money
    undecided: Money
    cash_planned: Money
    cash_confirmed: Money
    cash_at_risk: Money


class StageRoutes(BaseModel):
    """One year and stage's benefits by route."""

    year: str
    stage: str
    cash: Money
    capacity: Money
    undecided: Money


class CostCentreYear(BaseModel):
    """Cash claimed against one cost centre in one year, beside its budget."""

    cost_centre: str
    year: str
    cash_planned: Money
    cash_confirmed: Money
    cash_at_risk: Money
    budget: Money | None
    benefits: int


class Flag(BaseModel):
    """Something finance should look at: cash beyond a budget, or cash possibly counted twice."""

    code: str
    cost_centre: str
    year: str
    detail: str


class CashCapacitySummary(BaseModel):
    """Cash versus capacity by year, stage and cost centre; for one initiative or the portfolio."""

    initiative_id: int | None
    from_year: str | None
    to_year: str | None
    weighted: bool
    years: list[YearRoutes]
    by_stage: list[StageRoutes]
    by_cost_centre: list[CostCentreYear]
    flags: list[Flag]
