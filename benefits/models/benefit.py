"""Benefits, their per-period profiles and finance confirmations of cash taken."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from pydantic import BaseModel, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, Relationship, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    Code,
    Day,
    EnumText,
    LongText,
    Name,
    NodeName,
    Omittable,
    PeriodLabel,
    PositiveQuantity,
    Quantity,
    Reason,
    RequiredReason,
    RowId,
    ScaledDecimal,
    ShortText,
    UtcDateTime,
    YesNo,
    utc_now,
)
from benefits.models.baseline import ApprovedBaseline, BaselineRead, BaselineVersion
from benefits.models.person import named_person
from benefits.stages import Category, Confidence, MeasuredAs, RealisationRoute, Stage
from benefits.text import REQUIRED_REASON_PATTERN

if TYPE_CHECKING:
    from benefits.models.initiative import Initiative


class BenefitBase(SQLModel):
    """Fields a benefit's owner edits."""

    title: Name = Field(max_length=200)
    description: LongText = Field(default="", sa_type=sa.Text)
    owner: ShortText | None = named_person()
    beneficiary: ShortText | None = Field(
        default=None, max_length=200, description="The customer segment or stakeholder who gains."
    )
    category: Category | None = Field(default=None, sa_type=EnumText(Category))
    quantified: YesNo = Field(default=True, description="False for a benefit judged qualitatively.")
    unit: Code | None = Field(default=None, max_length=40, description="GBP for money; calls, %, hours ...")
    is_disbenefit: YesNo = Field(default=False, description="A dis-benefit counts as a negative benefit.")
    measured_as: MeasuredAs = Field(
        default=MeasuredAs.change,
        sa_type=EnumText(MeasuredAs, 8),
        description="change: each period's value is an improvement, summed over periods (calls removed, GBP "
        "saved); level: each period's value is a level, never summed (satisfaction 98%).",
    )
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
    model_node: NodeName | None = Field(
        default=None,
        max_length=60,
        description="The model node that values the benefit; its P10/P50/P90 then set the estimate.",
    )
    estimate_low: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    estimate_likely: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    estimate_high: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    baseline_value: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    baseline_date: Day | None = None
    target_value: Quantity | None = Field(default=None, sa_type=ScaledDecimal)
    target_date: Day | None = None
    confidence: Confidence | None = Field(default=None, sa_type=EnumText(Confidence, 8))
    evidence: LongText = Field(default="", sa_type=sa.Text, description="Evidence notes for the figures.")


class BenefitCreate(BenefitBase):
    """What a client sends to add a benefit to an initiative; it starts at `opportunity`."""

    model_config = FORBID_UNKNOWN

    owner_id: RowId | None = PydanticField(default=None, description="The owner by id, instead of by name or e-mail.")


class BenefitUpdate(SQLModel):
    """A partial change to a benefit; only the fields sent change. `reason` says why, for the history."""

    model_config = FORBID_UNKNOWN

    title: Omittable[Name] = None
    description: Omittable[LongText] = None
    owner: ShortText | None = None
    owner_id: RowId | None = PydanticField(default=None, description="The owner by id, instead of by name or e-mail.")
    beneficiary: ShortText | None = None
    category: Category | None = None
    quantified: Omittable[YesNo] = None
    unit: Code | None = None
    is_disbenefit: Omittable[YesNo] = None
    measured_as: MeasuredAs | None = None
    route: RealisationRoute | None = None
    cost_centre: Code | None = None
    redeployment: ShortText | None = None
    model_node: NodeName | None = None
    estimate_low: Quantity | None = None
    estimate_likely: Quantity | None = None
    estimate_high: Quantity | None = None
    baseline_value: Quantity | None = None
    baseline_date: Day | None = None
    target_value: Quantity | None = None
    target_date: Day | None = None
    confidence: Confidence | None = None
    evidence: Omittable[LongText] = None
    reason: Reason | None = Field(default=None, description="Why the values changed; kept in the history.")


class Benefit(BenefitBase, table=True):
    """A benefit as stored."""

    # Ids are never reused on SQLite either, so the history of a deleted benefit stays its own.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    owner_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    stage: Stage = Field(default=Stage.opportunity, sa_type=EnumText(Stage), index=True)
    furthest_stage: Stage = Field(
        default=Stage.opportunity, sa_type=EnumText(Stage), description="The furthest stage it has ever reached."
    )
    withdrawn: bool = Field(default=False)
    withdrawn_reason: str | None = Field(default=None, sa_type=sa.Text)
    baseline_version: int | None = Field(
        default=None,
        description="The approved baseline in force: 1 at first approval, one more each re-baseline.",
    )
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
    # Read only: baselines are written by `benefits.baselines`, never through the benefit, and never deleted.
    baseline_versions: list[BaselineVersion] = Relationship(
        sa_relationship_kwargs={"lazy": "raise", "viewonly": True, "order_by": "BaselineVersion.version"}
    )
    baseline_rows: list[ApprovedBaseline] = Relationship(
        sa_relationship_kwargs={
            "lazy": "raise",
            "viewonly": True,
            "order_by": "(ApprovedBaseline.version, ApprovedBaseline.sort_key)",
        }
    )
    redeployment_confirmations: list["RedeploymentConfirmation"] = Relationship(
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

    period: PeriodLabel = Field(description="A financial year such as 2026-27, or 2026-27 Q1.")
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
    """A confirmation for a period: cash taken out of a budget, or capacity redeployed as planned.

    A period outside the benefit's profile, or an amount beyond the period's forecast (its actual where recorded,
    its plan otherwise) less what is already confirmed, is refused unless `override_reason` says why.
    """

    model_config = FORBID_UNKNOWN

    period: PeriodLabel
    amount: PositiveQuantity
    note: LongText = ""
    override_reason: Reason | None = Field(
        default=None, description="Why a confirmation outside the profile or beyond the forecast is right; kept."
    )


class ReversalCreate(BaseModel):
    """Reverse a confirmation that was wrong: a new entry of the opposite amount that names it, and why."""

    model_config = {"extra": "forbid"}

    reason: RequiredReason


class _ConfirmationColumns(SQLModel):
    """What every confirmation keeps: the period, the amount (negative for a reversal), who, when and why."""

    period: str = Field(max_length=12)
    amount: Decimal = Field(sa_type=ScaledDecimal)
    confirmed_by: str = Field(max_length=200)
    confirmed_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    note: str = Field(default="", sa_type=sa.Text)
    override_reason: str | None = Field(default=None, sa_type=sa.Text)


class CashConfirmation(_ConfirmationColumns, table=True):
    """A confirmed budget reduction, or the reversal of one; never changed or deleted once written."""

    __tablename__ = "cash_confirmation"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", index=True)
    corrects_id: int | None = Field(
        default=None, foreign_key="cash_confirmation.id", unique=True, description="The entry this one reverses."
    )

    benefit: Benefit = Relationship(back_populates="cash_confirmations", sa_relationship_kwargs={"lazy": "raise"})


class RedeploymentConfirmation(_ConfirmationColumns, table=True):
    """A confirmation that released capacity went where the benefit says, or the reversal of one; append-only."""

    __tablename__ = "redeployment_confirmation"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    benefit_id: int = Field(foreign_key="benefit.id", ondelete="CASCADE", index=True)
    corrects_id: int | None = Field(
        default=None,
        foreign_key="redeployment_confirmation.id",
        unique=True,
        description="The entry this one reverses.",
    )
    redeployment: str = Field(default="", max_length=200, description="Where the benefit said the capacity goes.")

    benefit: Benefit = Relationship(
        back_populates="redeployment_confirmations", sa_relationship_kwargs={"lazy": "raise"}
    )


class CashConfirmationRead(SQLModel):
    """A confirmation (or a reversal, with a negative amount) as the API returns it."""

    id: int
    benefit_id: int
    period: str
    amount: Quantity
    confirmed_by: str
    confirmed_at: datetime
    note: str
    override_reason: str | None
    corrects_id: int | None = Field(description="The entry this one reverses; null for a confirmation.")
    reversed_by_id: int | None = Field(default=None, description="The entry that reverses this one, if any.")


class RedeploymentConfirmationRead(CashConfirmationRead):
    """A redeployment confirmation (or a reversal) as the API returns it."""

    redeployment: str


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
    owner_id: int | None = PydanticField(default=None, description="The person who owns the benefit.")
    stage: Stage
    furthest_stage: Stage
    withdrawn: bool
    withdrawn_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    profile: list[ProfileEntryRead]
    gate: GateRead
    baseline_version: int | None = Field(description="The approved baseline in force; null before approval.")
    baselines: list[BaselineRead] = Field(
        default_factory=list, description="Every baseline ever approved, oldest first; none is ever replaced."
    )


class TransitionRequest(BaseModel):
    """A stage move: where to, and why (a reason is required to move backward)."""

    to: Stage
    reason: Reason | None = None


class WithdrawRequest(BaseModel):
    """Withdrawing a benefit ends it for good; the reason is kept."""

    # Documented as never blank, as the check below says in words.
    reason: Reason = PydanticField(json_schema_extra={"minLength": 1, "pattern": REQUIRED_REASON_PATTERN})

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, reason: str) -> str:
        if not reason:
            raise ValueError("a reason is required to withdraw a benefit")
        return reason
