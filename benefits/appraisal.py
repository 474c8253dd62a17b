"""The appraisal of an initiative: its benefits and costs by year, discounted on two bases, and its settings."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from benefits import costs, listing, portfolio_settings
from benefits.actors import Actor
from benefits.columns import SCALE
from benefits.discounting import (
    SCHEDULES,
    DiscountSchedule,
    factors_between,
    flat_schedule,
    internal_rate_of_return,
    payback_index,
)
from benefits.initiatives import get_initiative
from benefits.models import ApprovedBaseline, Benefit, Initiative, ProfileEntry
from benefits.models.appraisal import (
    AppraisalPeriod,
    AppraisalRead,
    AppraisalSettings,
    EconomicCase,
    FinancialCase,
)
from benefits.models.initiative import ScheduleKey
from benefits.periods import Period, financial_year_of, parse_period
from benefits.stages import MONEY_UNITS, Category, MeasuredAs, RealisationRoute

SETTINGS_KEY = "appraisal"
PENNY = Decimal("0.01")
ROUTES = ("cash", "capacity", "undecided", "non_cash")


def penny(value: Decimal) -> Decimal:
    """Rounded half-up to the penny, for display."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def appraisal_settings(*, session: Session) -> tuple[AppraisalSettings, int]:
    """The portfolio's appraisal settings (the documented defaults until someone saves them) and their version."""
    return portfolio_settings.read_setting(session=session, key=SETTINGS_KEY, model=AppraisalSettings)


def save_settings(
    *, session: Session, fields: AppraisalSettings, expected_version: frozenset[int] | None, actor: Actor
) -> tuple[AppraisalSettings, int]:
    """Replace the appraisal settings (admin, finance)."""
    return portfolio_settings.save_setting(
        session=session, key=SETTINGS_KEY, entity_id=1, fields=fields, expected_version=expected_version, actor=actor,
        what="appraisal settings",
    )  # fmt: skip


def schedule_for(initiative: Initiative, settings: AppraisalSettings) -> DiscountSchedule:
    """The discount schedule an initiative's appraisal uses."""
    key = initiative.discount_schedule or ScheduleKey(settings.default_discount_schedule)
    if key is ScheduleKey.flat:
        return flat_schedule(initiative.discount_rate if initiative.discount_rate is not None else Decimal("0.035"))
    return SCHEDULES[key.value]


def base_year_of(initiative: Initiative, first_period: Period | None) -> Period:
    """Year 0: the initiative's base year, else the year it starts, else its first period, else this year."""
    if initiative.base_year:
        return parse_period(initiative.base_year)
    if initiative.start_date:
        return financial_year_of(initiative.start_date, initiative.fy_start_month)
    if first_period is not None:
        return first_period.financial_year
    return financial_year_of(date.today(), initiative.fy_start_month)


@dataclass
class YearTotals:
    """Everything that falls in one financial year, exact."""

    benefits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    approved: Decimal = Decimal(0)
    original: Decimal = Decimal(0)
    costs: Decimal = Decimal(0)
    uplift: Decimal = Decimal(0)


def valued_benefits(initiative_id: int) -> Any:
    """Benefits of the initiative whose money the appraisal counts: financial, or non-financial in GBP."""
    return (col(Benefit.initiative_id) == initiative_id, *VALUED)


# What makes a benefit's money count, whichever initiatives are asked about (`stages.counts_as_money`, as SQL).
VALUED = (
    col(Benefit.withdrawn).is_(False),
    col(Benefit.measured_as) != MeasuredAs.level,  # a level is never summed across years
    sa.or_(
        sa.and_(
            col(Benefit.category) == Category.financial,
            sa.or_(col(Benefit.unit).is_(None), func.upper(col(Benefit.unit)).in_(MONEY_UNITS)),
        ),
        sa.and_(col(Benefit.category) == Category.non_financial, func.upper(col(Benefit.unit)).in_(MONEY_UNITS)),
    ),
)


def _among(column: Any, initiative_ids: Sequence[int]) -> Any:
    """A condition that keeps the rows of these initiatives (or of all, when they are many)."""
    if len(initiative_ids) == 1:
        return column == initiative_ids[0]
    return column.in_(initiative_ids) if len(initiative_ids) <= listing.MANY_IDS else sa.true()


def _gather(
    *, session: Session, initiative_ids: Sequence[int], weights: dict[str, Decimal] | None
) -> dict[int, dict[int, YearTotals]]:
    """Each initiative's totals by financial year's start year: benefits (actuals where recorded, planned
    otherwise) and costs.

    The database sums by initiative, route column and year (and stage, when weighted), so the work grows with neither
    the number of benefit objects nor the number of initiatives asked about: four queries for one or a thousand.
    """
    found: dict[int, dict[int, YearTotals]] = {
        initiative_id: defaultdict(YearTotals) for initiative_id in initiative_ids
    }
    if not initiative_ids:
        return found
    which = _among(col(Benefit.initiative_id), initiative_ids)
    year = func.substr(ProfileEntry.period, 1, 4)
    sign = sa.case((col(Benefit.is_disbenefit), -1), else_=1)
    value = func.coalesce(
        sa.type_coerce(ProfileEntry.actual, sa.BigInteger), sa.type_coerce(ProfileEntry.planned, sa.BigInteger)
    )
    # The route column and the stage come back as plain text: converting 100,000 enum values costs more than the
    # sum. Stages matter only to a weighted appraisal, so only that one groups by them.
    stage = sa.type_coerce(col(Benefit.stage), sa.String) if weights is not None else sa.literal("")
    column = _route_column_sql()
    grouped = (
        sa.select(col(Benefit.initiative_id), column, stage, year, func.sum(sign * value))
        .select_from(Benefit)
        .join(ProfileEntry, col(ProfileEntry.benefit_id) == col(Benefit.id))
        .where(which, *VALUED)
        .group_by(col(Benefit.initiative_id), column, stage, year)
    )
    for initiative_id, route_column, stage_name, start, raw in session.execute(grouped).all():
        if initiative_id not in found:
            continue
        weight = weights[stage_name] if weights is not None else Decimal(1)
        found[initiative_id][int(start)].benefits[route_column] += weight * Decimal(int(raw or 0)).scaleb(-SCALE)
    approved_year = func.substr(ApprovedBaseline.period, 1, 4)
    baseline_amount = sign * sa.type_coerce(ApprovedBaseline.planned, sa.BigInteger)
    in_force = col(ApprovedBaseline.version) == col(Benefit.baseline_version)
    approved = (
        sa.select(
            col(Benefit.initiative_id),
            approved_year,
            func.sum(sa.case((in_force, baseline_amount), else_=0)),
            func.sum(sa.case((col(ApprovedBaseline.version) == 1, baseline_amount), else_=0)),
        )
        .select_from(ApprovedBaseline)
        .join(Benefit, col(Benefit.id) == col(ApprovedBaseline.benefit_id))
        .where(which, *VALUED)
        .group_by(col(Benefit.initiative_id), approved_year)
    )
    for initiative_id, start, current, original in session.execute(approved).all():
        if initiative_id not in found:
            continue
        found[initiative_id][int(start)].approved += Decimal(int(current or 0)).scaleb(-SCALE)
        found[initiative_id][int(start)].original += Decimal(int(original or 0)).scaleb(-SCALE)
    for line, amounts in costs.costs_of(session=session, initiative_ids=initiative_ids):
        if line.initiative_id not in found:
            continue
        for amount in amounts:
            year_totals = found[line.initiative_id][parse_period(amount.period).start_year]
            year_totals.costs += costs.uplifted(amount.amount, line.optimism_bias)
            year_totals.uplift += amount.amount * line.optimism_bias
    return found


def _route_column_sql() -> Any:
    """Which column of the appraisal a benefit's money falls in (cash, capacity, undecided, non-cash), in SQL."""
    financial = sa.case(
        (col(Benefit.route) == RealisationRoute.cash, "cash"),
        (col(Benefit.route) == RealisationRoute.capacity, "capacity"),
        else_="undecided",
    )
    return sa.type_coerce(
        sa.case((col(Benefit.category) == Category.financial, financial), else_="non_cash"), sa.String
    )


def appraise(*, session: Session, initiative_id: int, weighted: bool = False) -> AppraisalRead:
    """The appraisal on the economic and the financial basis, side by side, with every year behind them."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    return appraise_many(session=session, initiatives=[initiative], weighted=weighted)[initiative_id]


def appraise_many(
    *, session: Session, initiatives: Sequence[Initiative], weighted: bool = False
) -> dict[int, AppraisalRead]:
    """Each initiative's appraisal, as `appraise` gives it, from one gathering of all their totals."""
    settings, _ = appraisal_settings(session=session)
    weights = {stage: Decimal(str(value)) for stage, value in settings.stage_weights.model_dump().items()}
    ids = [initiative.id for initiative in initiatives if initiative.id is not None]
    totals = _gather(session=session, initiative_ids=ids, weights=weights if weighted else None)
    return {
        initiative.id: _appraisal(initiative, settings, totals[initiative.id], weighted)
        for initiative in initiatives
        if initiative.id is not None
    }


def net_present_values(*, session: Session, initiatives: Sequence[Initiative]) -> dict[int, tuple[Decimal, Decimal]]:
    """Each initiative's economic and financial NPV, as `appraise` gives them, without the rest of the appraisal."""
    settings, _ = appraisal_settings(session=session)
    ids = [initiative.id for initiative in initiatives if initiative.id is not None]
    gathered = _gather(session=session, initiative_ids=ids, weights=None)
    found = {}
    for initiative in initiatives:
        if initiative.id is None:
            continue
        totals = gathered[initiative.id]
        _, first, _, factors = _discounting(initiative, settings, totals)
        pv_benefits = pv_costs = pv_cash = Decimal(0)
        # Summed in the order `_appraisal` sums, so the figures agree to the last digit.
        for index, factor in enumerate(factors):
            totals_year = totals.get(first + index, YearTotals())
            by_route = {route: totals_year.benefits.get(route, Decimal(0)) for route in ROUTES}
            pv_benefits += sum(by_route.values(), Decimal(0)) * factor
            pv_costs += totals_year.costs * factor
            pv_cash += by_route["cash"] * factor
        found[initiative.id] = (penny(pv_benefits - pv_costs), penny(pv_cash - pv_costs))
    return found


def _discounting(
    initiative: Initiative, settings: AppraisalSettings, totals: dict[int, YearTotals]
) -> tuple[Period, int, DiscountSchedule, list[Decimal]]:
    """Year 0, the first year the appraisal holds, the schedule, and each year's factor from that first year."""
    base = base_year_of(initiative, Period(min(totals)) if totals else None)
    last = max([base.start_year, *totals])
    # Years before the base year are kept, compounded forward, rather than silently dropped.
    first = min([base.start_year, *totals])
    schedule = schedule_for(initiative, settings)
    return base, first, schedule, factors_between(schedule, first - base.start_year, last - base.start_year)


def _appraisal(
    initiative: Initiative, settings: AppraisalSettings, totals: dict[int, YearTotals], weighted: bool
) -> AppraisalRead:
    """The appraisal of one initiative from its yearly totals: discounting, NPVs, BCR, IRR and payback."""
    assert initiative.id is not None
    initiative_id = initiative.id
    base, first, schedule, factors = _discounting(initiative, settings, totals)
    periods: list[AppraisalPeriod] = []
    economic_nets: list[Decimal] = []
    financial_nets: list[Decimal] = []
    pv_benefits = pv_costs = pv_cash = Decimal(0)
    cumulative = financial_cumulative = Decimal(0)
    for index, factor in enumerate(factors):
        year = first - base.start_year + index
        totals_year = totals.get(base.start_year + year, YearTotals())
        by_route = {route: totals_year.benefits.get(route, Decimal(0)) for route in ROUTES}
        benefits_total = sum(by_route.values(), Decimal(0))
        net = benefits_total - totals_year.costs
        financial_net = by_route["cash"] - totals_year.costs
        pv_benefits += benefits_total * factor
        pv_costs += totals_year.costs * factor
        pv_cash += by_route["cash"] * factor
        cumulative += net * factor
        financial_cumulative += financial_net * factor
        economic_nets.append(net)
        financial_nets.append(financial_net)
        periods.append(
            AppraisalPeriod(
                period=Period(base.start_year + year).label,
                year=year,
                **{route: penny(value) for route, value in by_route.items()},
                benefits=penny(benefits_total),
                approved_baseline=penny(totals_year.approved),
                original_baseline=penny(totals_year.original),
                costs=penny(totals_year.costs),
                optimism_bias=penny(totals_year.uplift),
                net=penny(net),
                discount_factor=float(factor),
                present_value=penny(net * factor),
                cumulative=penny(cumulative),
                financial_net=penny(financial_net),
                financial_present_value=penny(financial_net * factor),
                financial_cumulative=penny(financial_cumulative),
            )
        )
    discounted_financial = [net * factor for net, factor in zip(financial_nets, factors, strict=True)]
    payback = payback_index(financial_nets)
    discounted_payback = payback_index(discounted_financial)
    return AppraisalRead(
        initiative_id=initiative_id,
        base_year=base.label,
        discount_schedule=schedule.key,
        weighted=weighted,
        economic=EconomicCase(
            pv_benefits=penny(pv_benefits),
            pv_costs=penny(pv_costs),
            npv=penny(pv_benefits - pv_costs),
            bcr=float(pv_benefits / pv_costs) if pv_costs else None,
        ),
        financial=FinancialCase(
            pv_benefits=penny(pv_cash),
            pv_costs=penny(pv_costs),
            npv=penny(pv_cash - pv_costs),
            irr=internal_rate_of_return(financial_nets),
            payback_period=periods[payback].period if payback is not None else None,
            discounted_payback_period=periods[discounted_payback].period if discounted_payback is not None else None,
        ),
        periods=periods,
    )
