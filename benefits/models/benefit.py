"""Benefits, their per-period profiles and finance confirmations of cash taken."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from pydantic import BaseModel, field_validator
from sqlmodel import Field, Relationship, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    Code,
    EnumText,
    LongText,
    Name,
    Quantity,
    Reason,
    ScaledDecimal,
    ShortText,
    UtcDateTime,
    utc_now,
)
from benefits.stages import Category, Confidence, RealisationRoute, Stage

if TYPE_CHECKING:
    from benefits.models.initiative import Initiative


class BenefitBase(SQLModel):
    """Fields a benefit's owner edits."""

    title: Name = Field(max_length=200)
    description: LongText = Field(default="", sa_type=sa.Text)
    owner: ShortText | None = Field(default=None, max_length=200)
    beneficiary: ShortText | None = Field(
        default=None, max_length=200, description="The customer segment or stakeholder who gains."
    )
    category: Category | None = Field(default=None, sa_type=EnumText(Category))
    quantified: bool = Field(default=True, description="False for a benefit judged qualitatively.")
    unit: Code | None = Field(default=None, max_length=40, description="GBP for money; calls, %, hours ...")
    is_disbenefit: bool = Field(default=False, description="A dis-benefit counts as a negative benefit.")
    route: RealisationRoute | None = Field(
        default=None,
        sa_type=EnumText(RealisationRoute),
        description="Financial benefits only: cash, capacity or undecided.",
    )
    cost_centre: Code | None = Field(
        default=None, max_length=40, description="For cash: the budget line that goes down."
    )
    redeployment: ShortText | None = Field(
        default=None, max_length=200, description="For capacity: where the released resource goes."
    )
    model_node: Code | None = Field(
        default=None,
        max_length=60,
        description="The model node that values the benefit; its P10/P50/P90 then set the estimate.",
    )
    estimate_low: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    estimate_likely: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    estimate_high: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    baseline_value: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    baseline_date: date | None = None
    target_value: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    target_date: date | None = None
    confidence: Confidence | None = Field(default=None, sa_type=EnumText(Confidence, 8))
    evidence: LongText = Field(default="", sa_type=sa.Text, description="Evidence notes for the figures.")


class BenefitCreate(BenefitBase):
    """What a client sends to add a benefit to an initiative; it starts at `opportunity`."""

    model_config = FORBID_UNKNOWN


class BenefitUpdate(SQLModel):
    """A partial change to a benefit; only the fields sent change. `reason` says why, for the history."""

    model_config = FORBID_UNKNOWN

    title: Name | None = None
    description: LongText | None = None
    owner: ShortText | None = None
    beneficiary: ShortText | None = None
    category: Category | None = None
    quantified: bool | None = None
    unit: Code | None = None
    is_disbenefit: bool | None = None
    route: RealisationRoute | None = None
    cost_centre: Code | None = None
    redeployment: ShortText | None = None
    model_node: Code | None = None
    estimate_low: Quantity | None = None
    estimate_likely: Quantity | None = None
    estimate_high: Quantity | None = None
    baseline_value: Quantity | None = None
    baseline_date: date | None = None
    target_value: Quantity | None = None
    target_date: date | None = None
    confidence: Confidence | None = None
    evidence: LongText | None = None
    reason: Reason | None = Field(default=None, description="Why the values changed; kept in the history.")


class Benefit(BenefitBase, table=True):
    """A benefit as stored."""

    # Ids are never reused on SQLite either, so the history of a deleted benefit stays its own.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    stage: Stage = Field(default=Stage.opportunity, sa_type=EnumText(Stage), index=True)
    furthest_stage: Stage = Field(
        default=Stage.opportunity, sa_type=EnumText(Stage), description="The furthest stage it has ever reached."
    )
    withdrawn: bool = Field(default=False)
    withdrawn_reason: str | None = Field(default=None, sa_type=sa.Text)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    initiative: "Initiative" = Relationship(back_populates="benefits", sa_relationship_kwargs={"lazy": "raise"})
    profile: list["ProfileEntry"] = Relationship(
        back_populates="benefit",
        sa_relationship_kwargs={
            "lazy": "raise",
            "cascade": "all, delete-orphan",
            "passive_deletes": True,
            "order_by": "ProfileEntry.sort_key",
        },
    )
    cash_confirmations: list["CashConfirmation"] = Relationship(
        back_populates="benefit",
        sa_relationship_kwargs={"lazy": "raise", "cascade": "all, delete-orphan", "passive_deletes": True},
    )

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        # SQLAlchemy bumps `version` on every UPDATE and refuses one made from a stale read.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class ProfileEntryIn(SQLModel):
    """One period of a profile as a client sends it: planned and/or actual value."""

    model_config = FORBID_UNKNOWN

    period: str = Field(max_length=12, description="A financial year such as 2026-27, or 2026-27 Q1.")
    planned: Quantity | None = None
    actual: Quantity | None = None


class ProfileEntry(SQLModel, table=True):
    """One period of a benefit's profile: planned value and, once known, the actual."""

    __tablename__ = "profile_entry"
    __table_args__ = (sa.UniqueConstraint("benefit_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", index=True)
    period: str = Field(max_length=12)
    sort_key: int = Field(description="Chronological order: start year x 10 + quarter.")
    planned: Decimal | None = Field(default=None, sa_type=ScaledDecimal)
    actual: Decimal | None = Field(default=None, sa_type=ScaledDecimal)

    benefit: Benefit = Relationship(back_populates="profile", sa_relationship_kwargs={"lazy": "raise"})


class ProfileEntryRead(SQLModel):
    """One period of a profile as the API returns it."""

    period: str
    planned: Quantity | None
    actual: Quantity | None


class CashConfirmationCreate(SQLModel):
    """Finance's confirmation that a budget was reduced for a period."""

    model_config = FORBID_UNKNOWN

    period: str = Field(max_length=12)
    amount: Quantity
    note: LongText = ""


class CashConfirmation(SQLModel, table=True):
    """A confirmed budget reduction: who, when, how much, for which period."""

    __tablename__ = "cash_confirmation"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", index=True)
    period: str = Field(max_length=12)
    amount: Decimal = Field(sa_type=ScaledDecimal)
    confirmed_by: str = Field(max_length=200)
    confirmed_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    note: str = Field(default="", sa_type=sa.Text)

    benefit: Benefit = Relationship(back_populates="cash_confirmations", sa_relationship_kwargs={"lazy": "raise"})


class CashConfirmationRead(SQLModel):
    """A finance confirmation as the API returns it."""

    id: int
    benefit_id: int
    period: str
    amount: Quantity
    confirmed_by: str
    confirmed_at: datetime
    note: str


class GateProblemRead(BaseModel):
    """One unmet requirement of a stage gate."""

    code: str
    detail: str
    field: str | None = None


class GateRead(BaseModel):
    """The next stage and what is still missing to reach it."""

    next_stage: Stage | None
    missing: list[GateProblemRead]


class BenefitRead(BenefitBase):
    """A benefit as the API returns it, with its profile and the bar for its next stage."""

    id: int
    initiative_id: int
    stage: Stage
    furthest_stage: Stage
    withdrawn: bool
    withdrawn_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    profile: list[ProfileEntryRead]
    gate: GateRead


class TransitionRequest(BaseModel):
    """A stage move: where to, and why (a reason is required to move backward)."""

    to: Stage
    reason: Reason | None = None


class WithdrawRequest(BaseModel):
    """Withdrawing a benefit ends it for good; the reason is kept."""

    reason: Reason

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, reason: str) -> str:
        if not reason:
            raise ValueError("a reason is required to withdraw a benefit")
        return reason
