"""Budgets by cost centre and year, and the cash-versus-capacity summary as the API returns it."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, PlainSerializer, StringConstraints
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    Name,
    Omittable,
    Quantity,
    RequiredCode,
    ScaledDecimal,
    ShortText,
    UtcDateTime,
    YearLabel,
    YesNo,
    utc_now,
)

# A cost-centre code: letters, digits and - _ . / only, kept in capitals so `cs200` and `CS200` are one code.
CentreCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._/-]+$"),
]


def _penny(value: Decimal) -> float:
    # Sums stay exact; only what is shown is rounded, half-up to the penny.
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


Money = Annotated[Decimal, PlainSerializer(_penny, return_type=float, when_used="json")]


class CostCentre(SQLModel, table=True):
    """A cost centre on the managed list: benefits, cost lines and budgets name one by its code."""

    __tablename__ = "cost_centre"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, description="Kept in capitals; matched without regard to case.")
    name: str = Field(max_length=200)
    budget_holder: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True, description="An inactive cost centre can no longer be named by new claims.")
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class CostCentreCreate(SQLModel):
    """A new cost centre: its code, its name and who holds its budget."""

    model_config = FORBID_UNKNOWN

    code: CentreCode
    name: Name
    budget_holder: ShortText | None = None
    active: YesNo = True


class CostCentreUpdate(SQLModel):
    """A change to a cost centre; its code never changes, since claims are matched on it."""

    model_config = FORBID_UNKNOWN

    name: Omittable[Name] = None
    budget_holder: ShortText | None = None
    active: Omittable[YesNo] = None


class CostCentreRead(SQLModel):
    """A cost centre as the API returns it."""

    id: int
    code: str
    name: str
    budget_holder: str | None
    active: bool
    version: int
    created_at: datetime


class Budget(SQLModel, table=True):
    """A cost centre's budget for one financial year, as finance entered it."""

    __table_args__ = (sa.UniqueConstraint("cost_centre", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    cost_centre: str = Field(max_length=40, index=True)
    year: str = Field(max_length=7)
    amount: Decimal = Field(sa_type=ScaledDecimal)


class LedgerEntry(SQLModel, table=True):
    """One period of one live financial benefit, with the benefit's route, stage and cost centre beside it.

    Kept by `benefits.ledger` whenever a benefit, its profile, its baseline or its confirmations change, so the
    cash-versus-capacity summary reads one narrow table instead of joining every profile row to its benefit.
    Amounts are whole ten-thousandths, signed: a dis-benefit's are negative.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.UniqueConstraint("benefit_id", "period"),
        # Holds every column the summary reads, in its grouping order: SQLite then scans the index alone, unsorted.
        sa.Index(
            "ix_ledger_entry_summary",
            "route",
            "stage",
            "cost_centre",
            "year",
            "value",
            "planned",
            "approved",
            "confirmed",
            "redeployed",
            "starts_month",
            "first_of_year",
            "benefit_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE")
    initiative_id: int = Field(index=True)
    period: str = Field(max_length=12)
    year: int = Field(description="The start year of the financial year the period falls in.")
    starts_month: int = Field(description="The month the period starts, as year x 12 + month - 1.")
    route: str = Field(max_length=12)
    stage: str = Field(max_length=12)
    cost_centre: str | None = Field(default=None, max_length=40, description="Cash only.")
    value: int = Field(default=0, sa_type=sa.BigInteger, description="Actual where recorded, planned otherwise.")
    planned: int = Field(default=0, sa_type=sa.BigInteger)
    approved: int | None = Field(default=None, sa_type=sa.BigInteger, description="The approved baseline.")
    confirmed: int = Field(default=0, sa_type=sa.BigInteger, description="Cash finance confirmed as taken.")
    redeployed: int = Field(default=0, sa_type=sa.BigInteger, description="Capacity confirmed as redeployed.")
    first_of_year: int = Field(
        default=0, description="1 on the benefit's first period in its financial year, so a sum counts benefits."
    )


class BudgetIn(BaseModel):
    """One budget line: a cost centre, a financial year such as 2026-27, and the amount."""

    model_config = {"extra": "forbid"}

    cost_centre: RequiredCode
    year: YearLabel
    amount: Quantity


class YearRoutes(BaseModel):
    """One financial year's benefits by route, and its cash planned, confirmed and at risk."""

    year: str
    cash: Money
    capacity: Money
    undecided: Money
    planned: Money = PydanticField(description="The current plan of every route, before actuals replace it.")
    approved_baseline: Money = PydanticField(description="The plan approved when each benefit reached planned.")
    cash_planned: Money
    cash_confirmed: Money
    cash_at_risk: Money
    capacity_planned: Money = PydanticField(description="Capacity planned to be released and redeployed.")
    capacity_redeployed: Money = PydanticField(description="Capacity confirmed as redeployed where planned.")
    capacity_not_redeployed: Money = PydanticField(
        description="Planned capacity of started periods not yet confirmed as redeployed."
    )


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
    portfolio_cash_planned: Money = PydanticField(
        description="Cash every initiative claims against this budget in this year; flags compare it with the budget."
    )
    benefits: int = PydanticField(description="Benefits across the portfolio claiming cash here.")


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
