"""Finance's view: budgets by cost centre, and cash versus capacity by year, stage and cost centre.

The sums run in the database over the finance ledger's whole ten-thousandths, so they are exact and fast on both
databases.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from benefits import appraisal, audit, cost_centres, register
from benefits.actors import Actor
from benefits.appraisal import penny
from benefits.authz import Action, require
from benefits.columns import SCALE
from benefits.errors import InvalidInput, Problem
from benefits.initiatives import get_initiative
from benefits.ledger import LEDGER
from benefits.models import ApprovedBaseline, Benefit, Budget, Initiative, ProfileEntry
from benefits.models.finance import BudgetIn, CashCapacitySummary, CostCentreYear, Flag, StageRoutes, YearRoutes
from benefits.periods import Period, PeriodError, parse_period
from benefits.stages import RealisationRoute, Stage
from benefits.workbooks.sheets import BudgetSheet

ROUTES = ("cash", "capacity", "undecided")
NO_CENTRE = "(none)"


def _money(raw: Any) -> Decimal:
    return Decimal(int(raw or 0)).scaleb(-SCALE)


def list_budgets(*, session: Session) -> list[Budget]:
    """Every budget, by cost centre and year."""
    return list(session.exec(select(Budget).order_by(col(Budget.cost_centre), col(Budget.year))).all())


def replace_budgets(*, session: Session, budgets: list[BudgetIn], actor: Actor) -> list[Budget]:
    """Make the budgets exactly these lines (finance, admin)."""
    require(session=session, actor=actor, action=Action.set_budgets)
    stored = list_budgets(session=session)
    # A line kept exactly as it was may go on naming a cost centre made inactive since.
    kept = {(b.cost_centre.upper(), b.year, b.amount) for b in stored}
    checker = cost_centres.CodeChecker(session=session)
    seen: dict[tuple[str, str], int] = {}
    problems = []
    lines = []
    for index, line in enumerate(budgets):
        code = cost_centres.normalised(line.cost_centre)
        allow = code if (code, line.year, line.amount) in kept else None
        problem = checker.problem(line.cost_centre, field=f"[{index}].cost_centre", allow_inactive=allow)
        if problem is not None:
            problems.append(problem)
            continue
        key = (code, line.year)
        if key in seen:
            problems.append(Problem("budget_repeated", f"{key[0]} {key[1]} is also row {seen[key]}.", f"[{index}]"))
        seen[key] = index
        lines.append(Budget(cost_centre=code, year=line.year, amount=line.amount))
    if problems:
        named = all(problem.code == "budget_repeated" for problem in problems)
        detail = "Each cost centre has one budget a year." if named else "Each budget names a listed cost centre."
        raise InvalidInput(detail, problems)
    before = {f"{b.cost_centre} {b.year}": b.amount for b in stored}
    for budget in stored:
        session.delete(budget)
    session.flush()
    for budget in lines:
        session.add(budget)
    session.flush()
    after = {f"{b.cost_centre} {b.year}": b.amount for b in list_budgets(session=session)}
    if audit.jsonable(before) != audit.jsonable(after):
        audit.record(
            session=session, actor=actor, action="replaced", entity="budgets", entity_id=1, before=before, after=after
        )
    return list_budgets(session=session)


def import_budgets(*, session: Session, sheet: BudgetSheet, actor: Actor) -> list[Budget]:
    """Set the budgets `read_budgets` read from a workbook (finance, admin); those it omits stay; all or nothing."""
    # The workbook is read before the session opens (a long read holds no transaction); only this step writes.
    require(session=session, actor=actor, action=Action.set_budgets)
    named = {(cost_centres.normalised(line.cost_centre), line.year) for line in sheet.budgets}
    kept = [
        BudgetIn(cost_centre=b.cost_centre, year=b.year, amount=b.amount)
        for b in list_budgets(session=session)
        if (b.cost_centre, b.year) not in named
    ]
    try:
        return replace_budgets(session=session, budgets=kept + sheet.budgets, actor=actor)
    except InvalidInput as error:
        # The lines were numbered after those kept: name the workbook's rows instead (blank rows were skipped).
        def row_of(field: str | None) -> str | None:
            found = re.match(r"\[(\d+)\]", field or "")
            return f"row {sheet.rows[int(found.group(1)) - len(kept)]}, Cost centre" if found else field

        problems = [Problem(p.code, p.detail, row_of(p.field)) for p in error.problems]
        raise InvalidInput(error.detail, problems) from error


def cash_confirmed() -> Any:
    """A ledger entry's confirmed cash, counted only while the benefit is cash-releasing."""
    entry = LEDGER.c
    return sa.case((entry.route == RealisationRoute.cash.value, entry.confirmed), else_=0)


def _started(today: date) -> Any:
    return LEDGER.c.starts_month <= today.year * 12 + today.month - 1


def capacity_not_redeployed(today: date) -> Any:
    """A ledger entry's capacity not yet redeployed: planned capacity not confirmed, once its period has started."""
    entry = LEDGER.c
    shortfall = entry.planned - entry.redeployed
    return sa.case(
        ((entry.route == RealisationRoute.capacity.value) & _started(today) & (shortfall > 0), shortfall), else_=0
    )


def capacity_redeployed() -> Any:
    """A ledger entry's capacity confirmed as redeployed, counted only while the benefit is capacity."""
    entry = LEDGER.c
    return sa.case((entry.route == RealisationRoute.capacity.value, entry.redeployed), else_=0)


def cash_at_risk(today: date) -> Any:
    """A ledger entry's cash at risk: planned cash not confirmed, once its period has started (each stands alone)."""
    entry = LEDGER.c
    shortfall = entry.planned - entry.confirmed
    return sa.case(
        ((entry.route == RealisationRoute.cash.value) & _started(today) & (shortfall > 0), shortfall), else_=0
    )


@dataclass(frozen=True)
class CashToConfirm:
    """A started period of a cash (or capacity) benefit whose planned money finance has not all confirmed."""

    benefit_id: int
    benefit: str
    initiative: str
    cost_centre: str | None  # for capacity: where the benefit says the capacity is redeployed
    period: str
    planned: Decimal
    confirmed: Decimal
    forecast: Decimal = Decimal(0)  # the actual where recorded, the plan otherwise

    @property
    def at_risk(self) -> Decimal:
        """What is planned but not yet confirmed."""
        return self.planned - self.confirmed

    @property
    def confirmable(self) -> Decimal:
        """What can be confirmed without an override: the at-risk amount, but never beyond the forecast."""
        return min(self.at_risk, max(self.forecast - self.confirmed, Decimal(0)))


def cash_to_confirm(*, session: Session, today: date | None = None) -> list[CashToConfirm]:
    """Every started period of a cash-releasing benefit with planned cash not yet confirmed, oldest first."""
    return _to_confirm(session=session, shortfall=cash_at_risk(today or date.today()), confirmed=LEDGER.c.confirmed)


def capacity_to_confirm(*, session: Session, today: date | None = None) -> list[CashToConfirm]:
    """Every started period of a capacity benefit whose planned capacity is not yet confirmed as redeployed."""
    entry = LEDGER.c
    return _to_confirm(
        session=session,
        shortfall=capacity_not_redeployed(today or date.today()),
        confirmed=entry.redeployed,
        extra=col(Benefit.redeployment),
    )


def _to_confirm(*, session: Session, shortfall: Any, confirmed: Any, extra: Any = None) -> list[CashToConfirm]:
    entry = LEDGER.c
    where = entry.cost_centre if extra is None else extra
    rows = session.execute(
        sa.select(
            entry.benefit_id,
            col(Benefit.title),
            col(Initiative.name),
            where,
            entry.period,
            entry.planned,
            confirmed,
            entry.value,
        )
        .join(Benefit, col(Benefit.id) == entry.benefit_id)
        .join(Initiative, col(Initiative.id) == entry.initiative_id)
        .where(shortfall > 0)
        .order_by(entry.starts_month, col(Initiative.name), col(Benefit.title))
    )
    return [
        CashToConfirm(benefit_id, title, name, place, period, _money(planned), _money(done), _money(forecast))
        for benefit_id, title, name, place, period, planned, done, forecast in rows
    ]


def cash_capacity_summary_checked(
    *,
    session: Session,
    initiative_id: int | None = None,
    from_year: str | None = None,
    to_year: str | None = None,
    weighted: bool = False,
    segments: Sequence[str] = (),
) -> CashCapacitySummary:
    """The summary for a client's filters: the initiative must exist, the years be in order and the segments listed."""
    if initiative_id is not None:
        get_initiative(session=session, initiative_id=initiative_id)
    if segments:
        register.segment_ids(session=session, codes=segments)
    try:
        first = parse_period(from_year) if from_year else None
        last = parse_period(to_year) if to_year else None
    except PeriodError as error:
        raise InvalidInput(str(error), [Problem("period_invalid", str(error), "from")]) from error
    if first is not None and last is not None and first > last:
        raise InvalidInput("'from' is after 'to'.", [Problem("range_inverted", "from must not be after to.", "from")])
    return cash_capacity_summary(
        session=session,
        initiative_id=initiative_id,
        from_year=from_year,
        to_year=to_year,
        weighted=weighted,
        segments=segments,
    )


@dataclass
class _Place:
    """Cash against one cost centre in one year."""

    planned: Decimal = Decimal(0)
    confirmed: Decimal = Decimal(0)
    at_risk: Decimal = Decimal(0)
    claimed: Decimal = Decimal(0)  # unweighted, what the budget is compared with
    benefits: int = 0


@dataclass
class _Year:
    """One financial year's money by stage and route, with the plan and the approved baseline."""

    by_stage: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Decimal)))
    planned: Decimal = Decimal(0)
    approved: Decimal = Decimal(0)
    capacity_planned: Decimal = Decimal(0)
    redeployed: Decimal = Decimal(0)
    not_redeployed: Decimal = Decimal(0)


def cash_capacity_summary(
    *,
    session: Session,
    initiative_id: int | None = None,
    from_year: str | None = None,
    to_year: str | None = None,
    weighted: bool = False,
    today: date | None = None,
    segments: Sequence[str] = (),
) -> CashCapacitySummary:
    """Financial benefits by year, route, stage and cost centre; cash planned, confirmed and at risk; flags.

    `segments` keeps only the benefits tagged with any of these customer segments (who gains). One aggregate over
    the finance ledger gives everything; a second one, over the whole portfolio, gives the cash claimed against
    each budget when the summary is of one initiative or of some segments, since a budget is shared.
    """
    settings, _ = appraisal.appraisal_settings(session=session)
    weights = {stage: Decimal(str(w)) for stage, w in settings.stage_weights.model_dump().items()}

    def weight(stage: str) -> Decimal:
        return weights[stage] if weighted else Decimal(1)

    entry = LEDGER.c
    day = today or date.today()
    in_years = []
    if from_year:
        in_years.append(entry.year >= parse_period(from_year).start_year)
    if to_year:
        in_years.append(entry.year <= parse_period(to_year).start_year)
    is_cash = entry.route == RealisationRoute.cash.value
    grouped = (
        sa.select(
            entry.route,
            entry.stage,
            entry.cost_centre,
            entry.year,
            func.sum(entry.value),
            func.sum(entry.planned),
            func.sum(func.coalesce(entry.approved, 0)),
            func.sum(cash_confirmed()),
            func.sum(cash_at_risk(day)),
            func.sum(sa.case((is_cash, entry.first_of_year), else_=0)),
            func.sum(capacity_redeployed()),
            func.sum(capacity_not_redeployed(day)),
        )
        .where(*in_years)
        .group_by(entry.route, entry.stage, entry.cost_centre, entry.year)
    )
    if initiative_id is not None:
        grouped = grouped.where(entry.initiative_id == initiative_id)
    if segments:
        grouped = grouped.where(
            register.reaches(entry.benefit_id, register.segment_ids(session=session, codes=segments))
        )
    years: dict[int, _Year] = defaultdict(_Year)
    places: dict[tuple[str, int], _Place] = defaultdict(_Place)
    for row in session.execute(grouped):
        route, stage, centre, start, value, planned, approved, confirmed, risk, count, redeployed, idle = row
        share = weight(stage)
        year = years[start]
        year.by_stage[stage][route] += _money(value) * share
        year.planned += _money(planned) * share
        year.approved += _money(approved) * share
        if route == RealisationRoute.capacity.value:
            year.capacity_planned += _money(planned) * share
            year.redeployed += _money(redeployed)
            year.not_redeployed += _money(idle) * share
        if route == RealisationRoute.cash.value:
            place = places[(centre or NO_CENTRE, start)]
            place.planned += _money(planned) * share
            place.confirmed += _money(confirmed)
            place.at_risk += _money(risk) * share
            place.claimed += _money(planned)
            place.benefits += int(count)
    if (initiative_id is not None or segments) and places:
        _portfolio_claims(session=session, places=places, in_years=in_years)
    budgets = {(b.cost_centre, b.year): b.amount for b in list_budgets(session=session)}
    return _assemble(
        initiative_id=initiative_id,
        from_year=from_year,
        to_year=to_year,
        weighted=weighted,
        years=years,
        places=places,
        budgets=budgets,
    )


def _portfolio_claims(*, session: Session, places: dict[tuple[str, int], _Place], in_years: list[Any]) -> None:
    """Replace each place's claim and count with the whole portfolio's: every initiative draws on one budget."""
    entry = LEDGER.c
    claims = (
        sa.select(entry.cost_centre, entry.year, func.sum(entry.planned), func.sum(entry.first_of_year))
        .where(entry.route == RealisationRoute.cash.value, *in_years)
        .group_by(entry.cost_centre, entry.year)
    )
    for centre, start, planned, count in session.execute(claims):
        place = places.get((centre or NO_CENTRE, start))
        if place is not None:
            place.claimed = _money(planned)
            place.benefits = int(count)


def _assemble(
    *,
    initiative_id: int | None,
    from_year: str | None,
    to_year: str | None,
    weighted: bool,
    years: dict[int, _Year],
    places: dict[tuple[str, int], _Place],
    budgets: dict[tuple[str, str], Decimal],
) -> CashCapacitySummary:
    starts = sorted(set(years) | {start for _, start in places})
    by_stage = [
        StageRoutes(
            year=Period(start).label,
            stage=stage.value,
            **{route: years[start].by_stage[stage.value].get(route, Decimal(0)) for route in ROUTES},
        )
        for start in starts
        for stage in Stage
        if stage.value in years[start].by_stage
    ]
    year_rows = []
    for start in starts:
        year = years[start]
        in_year = [place for (_, at), place in places.items() if at == start]
        year_rows.append(
            YearRoutes(
                year=Period(start).label,
                **{
                    route: sum((routes.get(route, Decimal(0)) for routes in year.by_stage.values()), Decimal(0))
                    for route in ROUTES
                },
                planned=year.planned,
                approved_baseline=year.approved,
                cash_planned=sum((place.planned for place in in_year), Decimal(0)),
                cash_confirmed=sum((place.confirmed for place in in_year), Decimal(0)),
                cash_at_risk=sum((place.at_risk for place in in_year), Decimal(0)),
                capacity_planned=year.capacity_planned,
                capacity_redeployed=year.redeployed,
                capacity_not_redeployed=year.not_redeployed,
            )
        )
    by_centre = []
    flags = []
    for (centre, start), place in sorted(places.items()):
        label = Period(start).label
        budget = budgets.get((centre, label))
        by_centre.append(
            CostCentreYear(
                cost_centre=centre,
                year=label,
                cash_planned=place.planned,
                cash_confirmed=place.confirmed,
                cash_at_risk=place.at_risk,
                budget=budget,
                portfolio_cash_planned=place.claimed,
                benefits=place.benefits,
            )
        )
        if budget is not None and place.claimed > budget:
            detail = f"{penny(place.claimed):,} of cash is claimed against a budget of {penny(budget):,}."
            flags.append(Flag(code="over_budget", cost_centre=centre, year=label, detail=detail))
        if centre != NO_CENTRE and place.benefits >= 2:
            detail = f"{place.benefits} benefits claim cash from this cost centre in this year."
            flags.append(Flag(code="possible_double_counting", cost_centre=centre, year=label, detail=detail))
    return CashCapacitySummary(
        initiative_id=initiative_id,
        from_year=from_year,
        to_year=to_year,
        weighted=weighted,
        years=year_rows,
        by_stage=by_stage,
        by_cost_centre=by_centre,
        flags=flags,
    )


@dataclass(frozen=True)
class ProfileAgainstBaseline:
    """One period of a benefit: the approved baseline, the plan as now re-forecast, and the actual, where known."""

    period: str
    approved: Decimal | None
    planned: Decimal | None
    actual: Decimal | None

    @property
    def variance(self) -> Decimal | None:
        """The re-forecast less the approved baseline, where both are known."""
        if self.approved is None or self.planned is None:
            return None
        return self.planned - self.approved


def profile_against_baseline(*, session: Session, benefit_id: int) -> list[ProfileAgainstBaseline]:
    """A benefit's periods in order: the approved baseline in force beside its profile now."""
    in_force = sa.select(col(Benefit.baseline_version)).where(col(Benefit.id) == benefit_id).scalar_subquery()
    baseline = session.exec(
        select(ApprovedBaseline).where(ApprovedBaseline.benefit_id == benefit_id, ApprovedBaseline.version == in_force)
    ).all()
    profile = session.exec(select(ProfileEntry).where(ProfileEntry.benefit_id == benefit_id)).all()
    order = {row.period: row.sort_key for row in baseline} | {row.period: row.sort_key for row in profile}
    approved = {row.period: row.planned for row in baseline}
    current = {row.period: row for row in profile}
    return [
        ProfileAgainstBaseline(
            period=period,
            approved=approved.get(period),
            planned=current[period].planned if period in current else None,
            actual=current[period].actual if period in current else None,
        )
        for period in sorted(order, key=lambda label: order[label])
    ]
