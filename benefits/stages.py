"""The four stages of a benefit and the bar each forward move must clear (pure rules)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from benefits.errors import Problem


class Stage(StrEnum):
    """Where a benefit stands, from first idea to realisation."""

    opportunity = "opportunity"
    scoped = "scoped"
    planned = "planned"
    delivered = "delivered"

    @property
    def rank(self) -> int:
        """Position in the pipeline, opportunity first."""
        return STAGE_ORDER.index(self)

    @property
    def next(self) -> "Stage | None":
        """The stage a forward move goes to, or None at the end."""
        return STAGE_ORDER[self.rank + 1] if self.rank + 1 < len(STAGE_ORDER) else None


STAGE_ORDER: tuple[Stage, ...] = (Stage.opportunity, Stage.scoped, Stage.planned, Stage.delivered)


class Category(StrEnum):
    """Whether a benefit is valued in money."""

    financial = "financial"
    non_financial = "non_financial"


class RealisationRoute(StrEnum):
    """How a financial benefit is to be taken: a budget goes down, or capacity is redeployed."""

    cash = "cash"
    capacity = "capacity"
    undecided = "undecided"


class MeasuredAs(StrEnum):
    """Whether a quantified benefit's values are a change (calls removed, summed over periods) or a level (98%)."""

    change = "change"
    level = "level"


class Confidence(StrEnum):
    """How sure the owner is of the estimate."""

    low = "low"
    medium = "medium"
    high = "high"


@dataclass(frozen=True)
class GateFacts:
    """What the gates look at, taken from a benefit at one moment."""

    owner: str | None
    category: Category | None
    quantified: bool
    description: str
    model_node: str | None
    estimate_low: Decimal | None
    estimate_likely: Decimal | None
    estimate_high: Decimal | None
    baseline_value: Decimal | None
    baseline_date: date | None
    target_value: Decimal | None
    target_date: date | None
    route: RealisationRoute | None
    cost_centre: str | None
    redeployment: str | None
    planned_periods: int
    actual_periods: int
    evidence: str
    cash_confirmations: int
    is_disbenefit: bool = False
    redeployment_confirmations: int = 0


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _scoped_bar(facts: GateFacts) -> list[Problem]:
    problems = []
    if _blank(facts.owner):
        problems.append(Problem("owner_missing", "Name the benefit's owner.", "owner"))
    if facts.category is None:
        problems.append(Problem("category_missing", "Say whether the benefit is financial or not.", "category"))
    if facts.quantified:
        if facts.model_node is None and None in (facts.estimate_low, facts.estimate_likely, facts.estimate_high):
            problems.append(
                Problem(
                    "valuation_missing",
                    "Give a valuation: a model node, or an estimate with low, most-likely and high values.",
                    "estimate_likely",
                )
            )
    elif _blank(facts.description):
        problems.append(
            Problem(
                "valuation_missing",
                "Describe how this unquantified benefit will be judged, in the description.",
                "description",
            )
        )
    return problems


def _planned_bar(facts: GateFacts) -> list[Problem]:
    problems = []
    if facts.quantified:
        if facts.baseline_value is None or facts.baseline_date is None:
            problems.append(Problem("baseline_missing", "Record a baseline value and its date.", "baseline_value"))
        if facts.target_value is None:
            problems.append(Problem("target_missing", "Set a target value.", "target_value"))
    if facts.target_date is None:
        problems.append(Problem("target_date_missing", "Set the date the target is due.", "target_date"))
    if facts.quantified and facts.planned_periods == 0:
        problems.append(
            Problem("profile_missing", "Profile the planned values over the realisation periods.", "profile")
        )
    if facts.category is Category.financial:
        if facts.route in (None, RealisationRoute.undecided):
            problems.append(
                Problem(
                    "route_undecided",
                    "Decide the realisation route: cash-releasing or capacity.",
                    "route",
                )
            )
        elif facts.route is RealisationRoute.cash and _blank(facts.cost_centre):
            problems.append(
                Problem("cost_centre_missing", "Name the cost centre whose budget goes down.", "cost_centre")
            )
        elif facts.route is RealisationRoute.capacity and _blank(facts.redeployment):
            problems.append(
                Problem("redeployment_missing", "Say where the released capacity is redeployed.", "redeployment")
            )
    return problems


def _delivered_bar(facts: GateFacts) -> list[Problem]:
    problems = []
    if facts.quantified and facts.actual_periods == 0:
        problems.append(Problem("actuals_missing", "Record actuals for at least one period.", "profile"))
    if _blank(facts.evidence):
        problems.append(Problem("evidence_missing", "Add an evidence note for the realisation.", "evidence"))
    if facts.route is RealisationRoute.cash and facts.cash_confirmations == 0:
        problems.append(
            Problem(
                "finance_confirmation_missing",
                "Finance must confirm the budget reduction (who, when, amount).",
                "cash_confirmations",
            )
        )
    if facts.route is RealisationRoute.capacity and not facts.is_disbenefit and facts.redeployment_confirmations == 0:
        problems.append(
            Problem(
                "redeployment_confirmation_missing",
                "Finance must confirm that the released capacity was redeployed as planned (who, when, how much).",
                "redeployment_confirmations",
            )
        )
    return problems


_BARS = {Stage.scoped: _scoped_bar, Stage.planned: _planned_bar, Stage.delivered: _delivered_bar}


def unmet_requirements(facts: GateFacts, stage: Stage) -> list[Problem]:
    """Every requirement for standing at `stage` that the benefit does not meet (the bars are cumulative)."""
    problems: list[Problem] = []
    for step in STAGE_ORDER[1 : stage.rank + 1]:
        problems.extend(_BARS[step](facts))
    return problems


def profile_size(values: "list[Decimal | None]", measured_as: MeasuredAs | str | None) -> Decimal | None:
    """A run of period values as one figure: a change's total, or a level's last value (levels are never summed)."""
    known = [value for value in values if value is not None]
    if not known:
        return None
    return known[-1] if measured_as == MeasuredAs.level else sum(known, Decimal(0))


MONEY_UNITS = ("GBP", "£")


def is_money(unit: str | None) -> bool:
    """Whether a benefit's unit is money: GBP (or unset, which means GBP for a financial benefit)."""
    return unit is None or unit.strip().upper() in MONEY_UNITS


def counts_as_money(
    category: Category | None, unit: str | None, measured_as: MeasuredAs | str | None = MeasuredAs.change
) -> bool:
    """Whether a benefit is valued in pounds: financial (GBP, or no unit), or non-financial with GBP as its unit.

    A level is never money to be summed: only a change counts.
    """
    # The appraisal's SQL (`appraisal.VALUED`) says the same in a query.
    if measured_as == MeasuredAs.level:
        return False
    if category == Category.financial:
        return is_money(unit)
    return category == Category.non_financial and bool(unit) and is_money(unit)
