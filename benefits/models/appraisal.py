"""Appraisal settings, and the appraisal as the API returns it."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, PlainSerializer
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import Share, UtcDateTime, utc_now

# A weight is a share from 0 to 1, a number in JSON as every other quantity is, kept exact as a Decimal inside.
Weight = Share
# Money is kept exact and shown rounded half-up to the penny.
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class AppSetting(SQLModel, table=True):
    """A portfolio-wide setting, kept as JSON under a key."""

    __tablename__ = "app_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: dict[str, Any] = Field(sa_type=sa.JSON)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class StageWeights(BaseModel):
    """How much of a benefit at each stage the risk-adjusted view counts."""

    model_config = {"extra": "forbid"}

    opportunity: Weight = Decimal("0.1")
    scoped: Weight = Decimal("0.4")
    planned: Weight = Decimal("0.8")
    delivered: Weight = Decimal("1")


class AppraisalSettings(BaseModel):
    """Portfolio appraisal settings: stage weights and the default discount schedule."""

    model_config = {"extra": "forbid"}

    stage_weights: StageWeights = PydanticField(default_factory=StageWeights)
    default_discount_schedule: Literal["green_book", "green_book_health"] = "green_book"


class AppraisalPeriod(BaseModel):
    """One year of the appraisal."""

    period: str
    year: int
    cash: Money
    capacity: Money
    undecided: Money
    non_cash: Money
    benefits: Money
    approved_baseline: Money = PydanticField(description="The approved baseline in force (the latest version).")
    original_baseline: Money = PydanticField(description="Baseline 1, as first approved.")
    costs: Money
    optimism_bias: Money
    net: Money
    discount_factor: float
    present_value: Money
    cumulative: Money
    financial_net: Money
    financial_present_value: Money
    financial_cumulative: Money


class EconomicCase(BaseModel):
    """All monetised benefits (cash, capacity, undecided and non-cash; dis-benefits negative) against costs."""

    pv_benefits: Money
    pv_costs: Money
    npv: Money
    bcr: float | None


class FinancialCase(BaseModel):
    """Cash-releasing benefits only, against costs."""

    pv_benefits: Money
    pv_costs: Money
    npv: Money
    irr: float | None
    payback_period: str | None
    discounted_payback_period: str | None


class AppraisalRead(BaseModel):
    """An initiative's appraisal: the two bases side by side (never added), and the years behind them."""

    initiative_id: int
    base_year: str
    discount_schedule: str
    weighted: bool
    economic: EconomicCase
    financial: FinancialCase
    periods: list[AppraisalPeriod]


class SwitchingValueRead(BaseModel):
    """Where one model assumption, moved across its range, turns the economic NPV to zero."""

    assumption: str
    unit: str
    low: float
    most_likely: float
    high: float
    npv_at_low: Money | None = PydanticField(description="Null where the model has no value at the low end.")
    npv_at_high: Money | None = PydanticField(description="Null where the model has no value at the high end.")
    switching_value: float | None = PydanticField(
        description="The assumption's value at which economic NPV is zero; null if none in its range."
    )


class SwitchingValuesRead(BaseModel):
    """Switching values of the economic NPV for each ranged assumption of the initiative's model."""

    initiative_id: int
    npv: Money = PydanticField(description="Economic NPV at the model's most-likely values.")
    linked_benefits: int = PydanticField(
        description="Benefits valued by a model node, whose planned values move with it."
    )
    assumptions: list[SwitchingValueRead]
