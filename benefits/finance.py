"""Finance's view: budgets by cost centre, and cash versus capacity by year, stage and cost centre.

The sums run in the database over the stored whole ten-thousandths, so they are exact and fast on both databases.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from benefits import appraisal, audit
from benefits.actors import Actor
from benefits.appraisal import penny
from benefits.authz import Action, require
from benefits.columns import SCALE
from benefits.errors import InvalidInput, Problem
from benefits.initiatives import get_initiative
from benefits.models import Benefit, Budget, CashConfirmation, ProfileEntry
from benefits.models.finance import BudgetIn, CashCapacitySummary, CostCentreYear, Flag, StageRoutes, YearRoutes
from benefits.periods import Period, PeriodError, financial_year_of, parse_period
from benefits.stages import Category, RealisationRoute, Stage

ROUTES = ("cash", "capacity", "undecided")


def _money(raw: Any) -> Decimal:
    return Decimal(int(raw or 0)).scaleb(-SCALE)


def _start_year(column: Any) -> Any:
    # "2026-27" and "2026-27 Q1" both fall in the financial year that starts in the year of their first four.
    return sa.cast(func.substr(column, 1, 4), sa.Integer)


def list_budgets(*, session: Session) -> list[Budget]:
    """Every budget, by cost centre and year."""
    return list(session.exec(select(Budget).order_by(col(Budget.cost_centre), col(Budget.year))).all())


def replace_budgets(*, session: Session, budgets: list[BudgetIn], actor: Actor) -> list[Budget]:
    """Make the budgets exactly these lines (finance, admin)."""
    require(session=session, actor=actor, action=Action.set_budgets)
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for index, line in enumerate(budgets):
        key = (line.cost_centre, line.year)
        if key in seen:
            problems.append(Problem("budget_repeated", f"{key[0]} {key[1]} is also row {seen[key]}.", f"[{index}]"))
        seen[key] = index
    if problems:
        raise InvalidInput("Each cost centre has one budget a year.", problems)
    before = {f"{b.cost_centre} {b.year}": b.amount for b in list_budgets(session=session)}
    for budget in list_budgets(session=session):
        session.delete(budget)
    session.flush()
    for line in budgets:
        session.add(Budget(cost_centre=line.cost_centre, year=line.year, amount=line.amount))
    session.flush()
    after = {f"{b.cost_centre} {b.year}": b.amount for b in list_budgets(session=session)}
    if audit.jsonable(before) != audit.jsonable(after):
        audit.record(
            session=session, actor=actor, action="replaced", entity="budgets", entity_id=1, before=before, after=after
        )
    return list_budgets(session=session)


def _scope(statement: Any, initiative_id: int | None, year: Any, first: int | None, last: int | None) -> Any:
    if initiative_id is not None:
        statement = statement.where(col(Benefit.initiative_id) == initiative_id)
    if first is not None:
        statement = statement.where(year >= first)
    if last is not None:
        statement = statement.where(year <= last)
    return statement


def cash_capacity_summary_checked(
    *,
    session: Session,
    initiative_id: int | None = None,
    from_year: str | None = None,
    to_year: str | None = None,
    weighted: bool = False,
) -> CashCapacitySummary:
    """The summary for a client's filters: the initiative must exist and the years must be in order."""
    if initiative_id is not None:
        get_initiative(session=session, initiative_id=initiative_id)
    try:
        first = parse_period(from_year) if from_year else None
        last = parse_period(to_year) if to_year else None
    except PeriodError as error:
        raise InvalidInput(str(error), [Problem("period_invalid", str(error), "from")]) from error
    if first is not None and last is not None and first > last:
        raise InvalidInput("'from' is after 'to'.", [Problem("range_inverted", "from must not be after to.", "from")])
    return cash_capacity_summary(
        session=session, initiative_id=initiative_id, from_year=from_year, to_year=to_year, weighted=weighted
    )


def cash_capacity_summary(
    *,
    session: Session,
    initiative_id: int | None = None,
    from_year: str | None = None,
    to_year: str | None = None,
    weighted: bool = False,
    today: date | None = None,
) -> CashCapacitySummary:
    """Financial benefits by year, route, stage and cost centre; cash planned, confirmed and at risk; flags."""
    settings, _ = appraisal.appraisal_settings(session=session)
    weights = {stage: Decimal(str(w)) for stage, w in settings.stage_weights.model_dump().items()}

    def weight(stage: str) -> Decimal:
        return weights[stage] if weighted else Decimal(1)

    current_start = financial_year_of(today or date.today()).start_year
    first = parse_period(from_year).start_year if from_year else None
    last = parse_period(to_year).start_year if to_year else None
    sign = sa.case((col(Benefit.is_disbenefit), -1), else_=1)
    actual = sa.type_coerce(ProfileEntry.actual, sa.BigInteger)
    planned = sa.type_coerce(ProfileEntry.planned, sa.BigInteger)
    # The start year as a whole number (sort_key is start year x 10 + quarter): cheaper to group than text.
    year = sa.type_coerce(col(ProfileEntry.sort_key), sa.Integer) // 10
    live = (col(Benefit.category) == Category.financial, col(Benefit.withdrawn).is_(False))
    joined = sa.select().select_from(Benefit).join(ProfileEntry, col(ProfileEntry.benefit_id) == col(Benefit.id))

    # One pass over the profiles: every route by stage and year, and for cash, by cost centre too.
    is_cash = col(Benefit.route) == RealisationRoute.cash
    centre = sa.case((is_cash, col(Benefit.cost_centre)), else_=None)
    by_route = _scope(
        joined.add_columns(
            col(Benefit.route),
            col(Benefit.stage),
            centre.label("centre"),
            year.label("year"),
            func.sum(sign * func.coalesce(actual, planned)),
            func.sum(sign * planned),
            func.count(sa.distinct(col(Benefit.id))),
        )
        .where(*live)
        .group_by(col(Benefit.route), col(Benefit.stage), centre, year),
        initiative_id,
        year,
        first,
        last,
    )
    stage_rows: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    centres: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    claims: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for route, stage, cost_centre, start, raw, raw_planned, count in session.execute(by_route).all():
        row_year = Period(int(start)).label
        column = "undecided" if route in (None, RealisationRoute.undecided) else str(route)
        stage_rows[(row_year, str(stage))][column] += _money(raw) * weight(str(stage))
        if column == "cash":
            place = (cost_centre or "(none)", row_year)
            centres[place]["planned"] += _money(raw_planned) * weight(str(stage))
            centres[place]["benefits"] += count
            claims[place] += _money(raw_planned)

    cash_only = (*live, is_cash)
    confirmed_year = _start_year(CashConfirmation.period)
    confirmed_amount = sa.type_coerce(CashConfirmation.amount, sa.BigInteger)
    confirmations = _scope(
        select(
            col(Benefit.cost_centre),
            col(Benefit.stage),
            confirmed_year,
            func.sum(confirmed_amount),
        )
        .select_from(CashConfirmation)
        .join(Benefit, col(Benefit.id) == col(CashConfirmation.benefit_id))
        .where(*cash_only)
        .group_by(col(Benefit.cost_centre), col(Benefit.stage), confirmed_year),
        initiative_id,
        confirmed_year,
        first,
        last,
    )
    for centre, _stage, start, raw in session.execute(confirmations).all():
        centres[(centre or "(none)", Period(int(start)).label)]["confirmed"] += _money(raw)

    # Planned cash not confirmed, for each benefit and year that has started, is at risk.
    planned_each = _scope(
        joined.add_columns(
            Benefit.id.label("benefit_id"),  # type: ignore[union-attr]
            col(Benefit.cost_centre),
            col(Benefit.stage),
            year.label("year"),
            func.sum(sign * planned).label("planned"),
        )
        .where(*cash_only, year <= current_start)
        .group_by(col(Benefit.id), col(Benefit.cost_centre), col(Benefit.stage), year),
        initiative_id,
        year,
        first,
        last,
    ).subquery()
    confirmed_each = (
        select(
            CashConfirmation.benefit_id,
            confirmed_year.label("year"),
            func.sum(confirmed_amount).label("confirmed"),
        )
        .group_by(col(CashConfirmation.benefit_id), confirmed_year)
        .subquery()
    )
    shortfall = planned_each.c.planned - func.coalesce(confirmed_each.c.confirmed, 0)
    at_risk = (
        select(
            planned_each.c.cost_centre,
            planned_each.c.stage,
            planned_each.c.year,
            func.sum(sa.case((shortfall > 0, shortfall), else_=0)),
        )
        .select_from(planned_each)
        .outerjoin(
            confirmed_each,
            (confirmed_each.c.benefit_id == planned_each.c.benefit_id) & (confirmed_each.c.year == planned_each.c.year),
        )
        .group_by(planned_each.c.cost_centre, planned_each.c.stage, planned_each.c.year)
    )
    for centre, stage, start, raw in session.execute(at_risk).all():
        centres[(centre or "(none)", Period(int(start)).label)]["at_risk"] += _money(raw) * weight(str(stage))

    budgets = {(b.cost_centre, b.year): b.amount for b in list_budgets(session=session)}
    return _assemble(
        initiative_id=initiative_id,
        from_year=from_year,
        to_year=to_year,
        weighted=weighted,
        stage_rows=stage_rows,
        centres=centres,
        claims=claims,
        budgets=budgets,
    )


def _assemble(
    *,
    initiative_id: int | None,
    from_year: str | None,
    to_year: str | None,
    weighted: bool,
    stage_rows: dict[tuple[str, str], dict[str, Decimal]],
    centres: dict[tuple[str, str], dict[str, Decimal]],
    claims: dict[tuple[str, str], Decimal],
    budgets: dict[tuple[str, str], Decimal],
) -> CashCapacitySummary:
    years = sorted({year for year, _ in stage_rows} | {year for _, year in centres})
    by_stage = [
        StageRoutes(
            year=year,
            stage=stage.value,
            **{route: stage_rows[(year, stage.value)].get(route, Decimal(0)) for route in ROUTES},
        )
        for year in years
        for stage in Stage
        if (year, stage.value) in stage_rows
    ]
    year_rows = []
    for year in years:
        totals = {
            route: sum((r.get(route, Decimal(0)) for (y, _), r in stage_rows.items() if y == year), Decimal(0))
            for route in ROUTES
        }
        in_year = [values for (_, y), values in centres.items() if y == year]
        year_rows.append(
            YearRoutes(
                year=year,
                **totals,
                cash_planned=_total(in_year, "planned"),
                cash_confirmed=_total(in_year, "confirmed"),
                cash_at_risk=_total(in_year, "at_risk"),
            )
        )
    by_centre = [
        CostCentreYear(
            cost_centre=centre,
            year=year,
            cash_planned=values.get("planned", Decimal(0)),
            cash_confirmed=values.get("confirmed", Decimal(0)),
            cash_at_risk=values.get("at_risk", Decimal(0)),
            budget=budgets.get((centre, year)),
            benefits=int(values.get("benefits", 0)),
        )
        for (centre, year), values in sorted(centres.items())
    ]
    flags = []
    for (centre, year), claimed in sorted(claims.items()):
        budget = budgets.get((centre, year))
        if budget is not None and claimed > budget:
            detail = f"{penny(claimed):,} of cash is claimed against a budget of {penny(budget):,}."
            flags.append(Flag(code="over_budget", cost_centre=centre, year=year, detail=detail))
        if centre != "(none)" and centres[(centre, year)].get("benefits", 0) >= 2:
            count = int(centres[(centre, year)]["benefits"])
            detail = f"{count} benefits claim cash from this cost centre in this year."
            flags.append(Flag(code="possible_double_counting", cost_centre=centre, year=year, detail=detail))
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


def _total(rows: Iterable[dict[str, Decimal]], key: str) -> Decimal:
    return sum((row.get(key, Decimal(0)) for row in rows), Decimal(0))
