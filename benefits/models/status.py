"""Status at a glance: the RAG thresholds (a portfolio setting) and each benefit's status as clients read it."""

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, PlainSerializer, model_validator
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError

from benefits.columns import Share

# A figure read from the register or a snapshot: exact inside, a number in JSON.
Figure = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class Rag(StrEnum):
    """How a benefit's forecast stands against its approved baseline."""

    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"


class Travel(StrEnum):
    """Which way a benefit's shortfall moved since the last review that rated it."""

    better = "better"
    worse = "worse"
    same = "same"
    new = "new"  # no review has rated it yet


class Unrated(StrEnum):
    """Why a benefit has no RAG status."""

    no_baseline = "no_baseline"
    withdrawn = "withdrawn"


class StatusThresholds(BaseModel):
    """How short of its approved baseline a benefit may fall and still be on track, or at risk (shares, 0 to 1)."""

    model_config = {"extra": "forbid"}

    on_track_within: Share = PydanticField(
        default=Decimal("0.05"), description="On track while the shortfall is at most this share of the baseline."
    )
    at_risk_within: Share = PydanticField(
        default=Decimal("0.15"), description="At risk while the shortfall is at most this share; off track beyond."
    )

    @model_validator(mode="after")
    def _at_risk_beyond_on_track(self) -> "StatusThresholds":
        if self.at_risk_within <= self.on_track_within:
            raise PydanticCustomError("thresholds_out_of_order", "at_risk_within must be greater than on_track_within")
        return self


class BenefitStatusRead(BaseModel):
    """A benefit's RAG status from its forecast against its approved baseline, and its direction since last review."""

    benefit_id: int
    title: str
    stage: str
    measured_as: str = PydanticField(description="change: totals compared; level: the latest level compared.")
    unit: str | None
    status: Rag | None = PydanticField(description="on_track, at_risk or off_track; null when `unrated` says why.")
    unrated: Unrated | None = PydanticField(description="no_baseline or withdrawn when there is no status.")
    baseline_version: int | None = PydanticField(description="The approved baseline in force.")
    approved_baseline: Figure | None = PydanticField(description="The baseline's total, or a level's last level.")
    forecast: Figure | None = PydanticField(
        description="Actuals where recorded, planned otherwise, over the baseline's periods (a level: the last one)."
    )
    variance: Figure | None = PydanticField(description="Forecast less baseline; dis-benefits count negative.")
    shortfall_share: float | None = PydanticField(
        description="How far short of the baseline, as a share of its size (of a level's promised improvement); "
        "negative when ahead; null when the baseline's size is zero."
    )
    direction: Travel | None = PydanticField(description="better, worse, same or new; null when unrated.")
    previous_review_id: int | None = PydanticField(description="The last review that included the benefit.")
    previous_shortfall_share: float | None = PydanticField(description="The shortfall share that review saw.")


class InitiativeStatusRead(BaseModel):
    """Every benefit of an initiative with its status, and the thresholds that judged them."""

    initiative_id: int
    thresholds: StatusThresholds
    benefits: list[BenefitStatusRead]
