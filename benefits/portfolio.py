"""The portfolio at a glance: each initiative's owner, stage funnel, NPVs, this year's cash and capacity, signals."""

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, func, select

from benefits import appraisal, finance, listing, measures, register
from benefits.columns import SCALE
from benefits.discounting import SCHEDULES, DiscountSchedule
from benefits.ledger import LEDGER
from benefits.models import ApprovedBaseline, Benefit, Initiative, Person, ProfileEntry
from benefits.models.cost import CostAmount, CostLine
from benefits.models.initiative import ScheduleKey
from benefits.models.measure import Measure, Observation
from benefits.periods import financial_year_of
from benefits.stages import STAGE_ORDER, Category, MeasuredAs, RealisationRoute
from benefits.xmr import xmr_chart


@dataclass
class StageCount:
    """One stage of an initiative's funnel: how many live benefits stand there, and their financial forecast."""

    stage: str
    benefits: int = 0
    value: Decimal = Decimal(0)


@dataclass
class InitiativeOverview:
    """One initiative as the portfolio dashboard shows it."""

    id: int
    name: str
    owner: str | None
    funnel: list[StageCount]
    economic_npv: Decimal
    financial_npv: Decimal
    year: str
    cash_this_year: Decimal = Decimal(0)
    capacity_this_year: Decimal = Decimal(0)
    cash_at_risk: Decimal = Decimal(0)
    signals: int = 0


def _money(raw: Any) -> Decimal:
    return Decimal(int(raw or 0)).scaleb(-SCALE)


def _among(column: Any, initiative_ids: Sequence[int]) -> Any:
    """A condition that keeps the rows of these initiatives (or of all, when they are many)."""
    return column.in_(initiative_ids) if len(initiative_ids) <= listing.MANY_IDS else sa.true()


def portfolio_overview(*, session: Session, today: date | None = None, segment: str = "") -> list[InitiativeOverview]:
    """Every initiative with its funnel, appraisal, cash and capacity this financial year, and measure signals.

    With a `segment` (its code), only the initiatives with a live benefit tagged with it, their funnels, cash and
    capacity counting those benefits alone."""
    tagged = _tagged(session=session, segment=segment)
    statement = select(Initiative).order_by(col(Initiative.name), col(Initiative.id))
    if tagged is not None:
        statement = statement.where(col(Initiative.id).in_(_reaching(tagged)))
    initiatives = session.exec(statement).all()
    return _overviews(session=session, initiatives=initiatives, day=today or date.today(), signals=None, tagged=tagged)


def _tagged(*, session: Session, segment: str) -> list[int] | None:
    """The id of the segment chosen (as a list, for `register.reaches`), or None when every benefit counts."""
    return register.segment_ids(session=session, codes=[segment]) if segment.strip() else None


def _reaching(tagged: Sequence[int]) -> Any:
    """The initiatives with a live benefit tagged with one of these segments."""
    return sa.select(col(Benefit.initiative_id)).where(
        col(Benefit.withdrawn).is_(False), register.reaches(col(Benefit.id), tagged)
    )


def _overviews(
    *,
    session: Session,
    initiatives: Sequence[Initiative],
    day: date,
    signals: dict[int, int] | None,
    tagged: Sequence[int] | None = None,
) -> list[InitiativeOverview]:
    """These initiatives as the dashboard shows them, reading only their own rows (all rows, when they are many);
    with `tagged` segments, the funnel, cash, capacity and risk count only the benefits tagged with one of them."""
    ids = [initiative.id for initiative in initiatives if initiative.id is not None]
    if not ids:
        return []
    owner_ids = {initiative.owner_id for initiative in initiatives if initiative.owner_id}
    owners = {
        person.id: person.name
        for person in session.exec(select(Person).where(col(Person.id).in_(owner_ids))).all()
    } if owner_ids else {}  # fmt: skip
    counts: dict[tuple[int, str], int] = {}
    entry = LEDGER.c
    of_benefits = [] if tagged is None else [register.reaches(col(Benefit.id), tagged)]
    of_entries = [] if tagged is None else [register.reaches(entry.benefit_id, tagged)]
    for initiative_id, stage, count in session.execute(
        sa.select(col(Benefit.initiative_id), col(Benefit.stage), func.count())
        .where(col(Benefit.withdrawn).is_(False), _among(col(Benefit.initiative_id), ids), *of_benefits)
        .group_by(col(Benefit.initiative_id), col(Benefit.stage))
    ):
        counts[(initiative_id, str(stage))] = int(count)
    values: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    cash: dict[int, Decimal] = defaultdict(Decimal)
    capacity: dict[int, Decimal] = defaultdict(Decimal)
    at_risk: dict[int, Decimal] = defaultdict(Decimal)
    this_year = _this_year(day, {initiative.fy_start_month for initiative in initiatives})

    def this_years(route: RealisationRoute) -> Any:
        return func.sum(sa.case((sa.and_(entry.route == route.value, this_year), entry.value), else_=0))

    # One pass over these initiatives' ledger entries gives the funnel's values, this year's routes and the risk.
    grouped = (
        sa.select(entry.initiative_id, entry.stage, func.sum(entry.value), this_years(RealisationRoute.cash),
                  this_years(RealisationRoute.capacity), func.sum(finance.cash_at_risk(day)))
        .where(_among(entry.initiative_id, ids), *of_entries)
        .group_by(entry.initiative_id, entry.stage)
    )  # fmt: skip
    for initiative_id, stage, raw, cash_now, capacity_now, risk in session.execute(grouped):
        values[(initiative_id, stage)] += _money(raw)
        cash[initiative_id] += _money(cash_now)
        capacity[initiative_id] += _money(capacity_now)
        at_risk[initiative_id] += _money(risk)
    npvs = appraisal.net_present_values(session=session, initiatives=initiatives)
    signalling = signals if signals is not None else _signals_of(session=session, initiative_ids=ids)
    overview = []
    for initiative in initiatives:
        assert initiative.id is not None
        current = financial_year_of(day, initiative.fy_start_month)
        economic_npv, financial_npv = npvs[initiative.id]
        funnel = [
            StageCount(stage.value, counts.get((initiative.id, stage.value), 0),
                       values.get((initiative.id, stage.value), Decimal(0)))
            for stage in STAGE_ORDER
        ]  # fmt: skip
        overview.append(
            InitiativeOverview(
                id=initiative.id,
                name=initiative.name,
                owner=owners.get(initiative.owner_id) if initiative.owner_id else initiative.owner,
                funnel=funnel,
                economic_npv=economic_npv,
                financial_npv=financial_npv,
                year=current.label,
                cash_this_year=cash[initiative.id],
                capacity_this_year=capacity[initiative.id],
                cash_at_risk=at_risk.get(initiative.id, Decimal(0)),
                signals=signalling.get(initiative.id, 0),
            )
        )
    return overview


def _signals_of(*, session: Session, initiative_ids: Sequence[int]) -> dict[int, int]:
    """How many of these initiatives' measures end on a special-cause point (as `measures.signalling` counts)."""
    if len(initiative_ids) > listing.MANY_IDS:
        return measures.signalling(session=session)
    found: dict[int, int] = defaultdict(int)
    chosen = session.exec(
        select(Measure).where(col(Measure.initiative_id).in_(initiative_ids)).order_by(col(Measure.id))
    ).all()
    if not chosen:
        return found
    values: dict[int, list[tuple[date, float]]] = defaultdict(list)
    rows = session.execute(
        sa.select(col(Observation.measure_id), col(Observation.observed_on), col(Observation.value))
        .where(col(Observation.measure_id).in_([measure.id for measure in chosen]))
        .order_by(col(Observation.measure_id), col(Observation.observed_on))
    )
    for measure_id, observed_on, value in rows:
        values[measure_id].append((observed_on, float(value)))
    for measure in chosen:
        if not values.get(measure.id or 0):
            continue
        drawn = xmr_chart(
            values[measure.id or 0],
            direction=measure.direction,
            baseline_points=measure.baseline_points,
            rephase=[date.fromisoformat(day) for day in measure.rephase],
            screen_outliers=measure.screen_outliers,
        )
        if drawn.points and drawn.points[-1].signal is not None:
            found[measure.initiative_id] += 1
    return found


class OverviewColumn(StrEnum):
    """A column of the portfolio overview that it can be sorted by."""

    name = "name"
    owner = "owner"
    economic_npv = "economic_npv"
    financial_npv = "financial_npv"
    cash_this_year = "cash_this_year"
    capacity_this_year = "capacity_this_year"
    cash_at_risk = "cash_at_risk"
    signals = "signals"


class SortOrder(StrEnum):
    """Which way a sorted column runs."""

    ascending = "asc"
    descending = "desc"


class OverviewQuery(BaseModel):
    """How to show the portfolio overview: which initiatives, sorted by which column, which way."""

    sort: OverviewColumn = OverviewColumn.name
    order: SortOrder = SortOrder.ascending
    owner: str = PydanticField(default="", max_length=200)
    q: str = PydanticField(default="", max_length=200, description="Words the initiative's name contains.")
    cash_at_risk: bool = PydanticField(default=False, description="Only initiatives with cash at risk.")
    signals: bool = PydanticField(default=False, description="Only initiatives with a measure signalling.")
    segment: str = PydanticField(
        default="", max_length=40, description="Who gains: a customer segment's code; only its tagged benefits count."
    )
    page: int = PydanticField(default=1, ge=1, le=1_000_000, description="Which page of initiatives, from 1.")


def _sort_key(item: InitiativeOverview, by: OverviewColumn) -> Any:
    value = getattr(item, by.value)
    return value.casefold() if isinstance(value, str) else value


def sort_overview(
    overview: list[InitiativeOverview], *, by: OverviewColumn, order: SortOrder = SortOrder.ascending
) -> list[InitiativeOverview]:
    """The initiatives sorted by one column; ties by name then id either way, and those with no owner last."""
    settled = sorted(overview, key=lambda item: (item.name.casefold(), item.id))
    # Python's sort is stable in reverse too, so ties keep the name order whichever way the column runs.
    known = [item for item in settled if getattr(item, by.value) is not None]
    unknown = [item for item in settled if getattr(item, by.value) is None]
    known.sort(key=lambda item: _sort_key(item, by), reverse=order is SortOrder.descending)
    return known + unknown


def filter_overview(
    overview: list[InitiativeOverview],
    *,
    owner: str = "",
    text: str = "",
    with_cash_at_risk: bool = False,
    with_signals: bool = False,
) -> list[InitiativeOverview]:
    """The initiatives with this owner (any when blank), whose name holds every word of `text`, and so on."""
    words = text.casefold().split()
    return [
        item
        for item in overview
        if (not owner or (item.owner or "").casefold() == owner.strip().casefold())
        and all(word in item.name.casefold() for word in words)
        and (not with_cash_at_risk or item.cash_at_risk > 0)
        and (not with_signals or item.signals > 0)
    ]


def arrange_overview(overview: list[InitiativeOverview], *, query: OverviewQuery) -> list[InitiativeOverview]:
    """The initiatives the query asks for, in its order."""
    chosen = filter_overview(
        overview, owner=query.owner, text=query.q, with_cash_at_risk=query.cash_at_risk, with_signals=query.signals
    )
    return sort_overview(chosen, by=query.sort, order=query.order)


def owners_of(overview: list[InitiativeOverview]) -> list[str]:
    """The initiatives' owners, each once, in alphabetical order (for a filter's choices)."""
    return sorted({item.owner for item in overview if item.owner}, key=lambda name: (name.casefold(), name))


PAGE_SIZE = 50


@dataclass
class OverviewPage:
    """One page of the initiatives a query chose, in its order, and where the page stands among them."""

    initiatives: list[InitiativeOverview]
    page: int
    pages: int
    size: int
    chosen: int  # how many initiatives the filters chose, on every page
    owners: list[str]  # every initiative's owner, for the owner filter's choices
    any_initiatives: bool  # whether the portfolio holds any initiative, whatever the filters chose

    @property
    def first(self) -> int:
        """The position of the page's first initiative among all chosen (0 when none)."""
        return (self.page - 1) * self.size + 1 if self.initiatives else 0

    @property
    def last(self) -> int:
        """The position of the page's last initiative among all chosen."""
        return self.first + len(self.initiatives) - 1 if self.initiatives else 0


@dataclass
class PortfolioTotals:
    """The figures of every initiative a query chose, summed: benefits by stage, this year's cash and capacity,
    and cash at risk."""

    initiatives: int
    funnel: list[StageCount]
    cash_this_year: Decimal
    capacity_this_year: Decimal
    cash_at_risk: Decimal


def _owner_name() -> Any:
    """An initiative's owner as the overview names it: the person when one is linked, else the name typed in."""
    return sa.case((col(Initiative.owner_id).is_not(None), col(Person.name)), else_=col(Initiative.owner))


def _text_key(session: Session, text: Any) -> Any:
    """Text lowered for sorting in code-point order, as Python sorts it (PostgreSQL's collation might not)."""
    lowered = func.lower(text)
    return lowered.collate("C") if session.get_bind().dialect.name == "postgresql" else lowered


def _this_year(day: date, months: set[int]) -> Any:
    """A condition on ledger entries: the entry falls in its initiative's financial year that holds `day`.

    `months` are the financial years' start months the initiatives use: when they all agree (the usual case),
    the condition is one year for all and needs no look-up of the initiative."""
    years = {month: financial_year_of(day, month).start_year for month in months}
    entry = LEDGER.c
    if len(set(years.values())) <= 1:
        return entry.year == next(iter(years.values()), day.year)
    earlier = sa.select(col(Initiative.id)).where(col(Initiative.fy_start_month) > day.month)
    return sa.or_(
        sa.and_(entry.year == day.year - 1, entry.initiative_id.in_(earlier)),
        sa.and_(entry.year == day.year, entry.initiative_id.not_in(earlier)),
    )


def _start_months(session: Session) -> set[int]:
    """The financial years' start months the initiatives use."""
    return {int(month) for month in session.execute(sa.select(col(Initiative.fy_start_month)).distinct()).scalars()}


def _with_cash_at_risk(day: date, tagged: Sequence[int] | None = None) -> Any:
    """The initiatives with cash at risk: a started period of cash planned but not all confirmed (of a benefit
    tagged with one of the `tagged` segments, when there are some)."""
    entry = LEDGER.c
    of_entries = [] if tagged is None else [register.reaches(entry.benefit_id, tagged)]
    return sa.select(entry.initiative_id).where(
        entry.route == RealisationRoute.cash.value, finance.cash_at_risk(day) > 0, *of_entries
    )


def _conditions(
    *,
    session: Session,
    query: OverviewQuery,
    day: date,
    signals: dict[int, int] | None,
    tagged: Sequence[int] | None = None,
) -> list[Any]:
    """The query's filters, in SQL over the initiatives joined to their owners (as `filter_overview` has them, with
    the segment's initiatives as `portfolio_overview` chooses them)."""
    found: list[Any] = []
    if tagged is not None:
        found.append(col(Initiative.id).in_(_reaching(tagged)))
    if query.owner:
        # Matched in Python against the owners there are, so case is folded as Python folds it, for any script.
        wanted = query.owner.strip().casefold()
        names = [name for name in owner_names(session=session) if name.casefold() == wanted]
        owner = _owner_name()
        found.append(owner.in_(names) if wanted else sa.or_(owner.is_(None), owner == ""))
    for word in query.q.casefold().split():
        found.append(func.lower(col(Initiative.name)).contains(word, autoescape=True))
    if query.cash_at_risk:
        found.append(col(Initiative.id).in_(_with_cash_at_risk(day, tagged)))
    if query.signals:
        assert signals is not None
        found.append(col(Initiative.id).in_([key for key, count in signals.items() if count > 0]))
    return found


def owner_names(*, session: Session) -> list[str]:
    """The initiatives' owners, each once, in alphabetical order (for a filter's choices)."""
    owner = _owner_name()
    named = sa.select(owner).select_from(Initiative).outerjoin(Person, col(Person.id) == col(Initiative.owner_id))
    return sorted(
        {name for name in session.execute(named.distinct()).scalars() if name}, key=lambda name: (name.casefold(), name)
    )


def _chosen(conditions: list[Any]) -> Any:
    """The ids of the initiatives the conditions choose (an owner's name among them, so owners are joined)."""
    return (
        sa.select(col(Initiative.id))
        .select_from(Initiative)
        .outerjoin(Person, col(Person.id) == col(Initiative.owner_id))
        .where(*conditions)
    )


def _signal_counts(session: Session, counts: dict[int, int]) -> Any:
    """Each initiative's count of signalling measures as a table, bound as one value however many initiatives (SQLite
    allows no more than 500 terms in a compound SELECT): two arrays on PostgreSQL, a JSON object on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        ids = sa.bindparam("signal_ids", list(counts), type_=postgresql.ARRAY(sa.Integer))
        numbers = sa.bindparam("signal_counts", list(counts.values()), type_=postgresql.ARRAY(sa.Integer))
        pairs = func.unnest(ids, numbers).table_valued("initiative_id", "figure").render_derived()
        return sa.select(pairs.c.initiative_id, pairs.c.figure).subquery("figures")
    listed = func.json_each(sa.bindparam("signal_counts", json.dumps(counts))).table_valued("key", "value")
    key = sa.cast(listed.c.key, sa.Integer).label("initiative_id")
    return sa.select(key, sa.cast(listed.c.value, sa.Integer).label("figure")).subquery("figures")


def _figure(
    *,
    session: Session,
    column: OverviewColumn,
    day: date,
    signals: dict[int, int] | None,
    tagged: Sequence[int] | None = None,
) -> Any:
    """A subquery of (initiative_id, figure) for a column that holds a figure, or None for a column of text; the
    ledger's figures count only the benefits tagged with one of the `tagged` segments, when there are some."""
    entry = LEDGER.c
    of_entries = [] if tagged is None else [register.reaches(entry.benefit_id, tagged)]
    routes = {
        OverviewColumn.cash_this_year: RealisationRoute.cash,
        OverviewColumn.capacity_this_year: RealisationRoute.capacity,
    }
    if column in routes:
        this_year = _this_year(day, _start_months(session))
        return (
            sa.select(entry.initiative_id.label("initiative_id"), func.sum(entry.value).label("figure"))
            .where(entry.route == routes[column].value, entry.year.in_([day.year - 1, day.year]), this_year,
                   *of_entries)
            .group_by(entry.initiative_id)
            .subquery("figures")
        )  # fmt: skip
    if column is OverviewColumn.cash_at_risk:
        return (
            sa.select(entry.initiative_id.label("initiative_id"),
                      func.sum(finance.cash_at_risk(day)).label("figure"))
            .where(entry.route == RealisationRoute.cash.value, *of_entries)
            .group_by(entry.initiative_id)
            .subquery("figures")
        )  # fmt: skip
    if column is OverviewColumn.signals:
        assert signals is not None
        return _signal_counts(session, {key: count for key, count in signals.items() if count > 0})
    if column in (OverviewColumn.economic_npv, OverviewColumn.financial_npv):
        npvs = net_present_values(session=session, day=day)
        figure = npvs.c.economic if column is OverviewColumn.economic_npv else npvs.c.financial
        # To the penny, as the page shows them: NPVs equal there tie, and fall to the name as in `sort_overview`.
        pennies = func.round(figure / 10 ** (SCALE - 2))
        return sa.select(npvs.c.initiative_id, pennies.label("figure")).subquery("figures")
    return None


def _order(*, session: Session, query: OverviewQuery, figures: Any) -> list[Any]:
    """The ORDER BY of `sort_overview`: the column either way, no owner last, ties by name then id ascending."""
    descending = query.order is SortOrder.descending
    name = _text_key(session, col(Initiative.name))
    ties = [name.asc(), col(Initiative.id).asc()]
    if query.sort is OverviewColumn.name:
        return [name.desc() if descending else name.asc(), *ties]
    if query.sort is OverviewColumn.owner:
        owner = _owner_name()
        key = _text_key(session, owner)
        return [sa.case((owner.is_(None), 1), else_=0), key.desc() if descending else key.asc(), *ties]
    figure = func.coalesce(figures.c.figure, 0)
    return [figure.desc() if descending else figure.asc(), *ties]


def overview_page(
    *, session: Session, query: OverviewQuery, size: int = PAGE_SIZE, today: date | None = None
) -> OverviewPage:
    """One page of the initiatives the query chooses, in its order: filtered, sorted and counted by the database,
    so the work grows with the page, not the portfolio (a computed column sorts by one aggregate over all)."""
    day = today or date.today()
    # Signals are drawn from each measure's chart, not summed in SQL: all of them only when the query needs them.
    needs_signals = query.signals or query.sort is OverviewColumn.signals
    everywhere = measures.signalling(session=session) if needs_signals else None
    tagged = _tagged(session=session, segment=query.segment)
    conditions = _conditions(session=session, query=query, day=day, signals=everywhere, tagged=tagged)
    chosen = _chosen(conditions)
    count = int(session.execute(sa.select(func.count()).select_from(chosen.subquery())).scalar_one())
    pages = max(1, -(-count // size))
    page = min(query.page, pages)
    figures = _figure(session=session, column=query.sort, day=day, signals=everywhere, tagged=tagged)
    ordered = chosen
    if figures is not None:
        ordered = ordered.outerjoin(figures, figures.c.initiative_id == col(Initiative.id))
    ordered = ordered.order_by(*_order(session=session, query=query, figures=figures))
    ids = list(session.execute(ordered.limit(size).offset((page - 1) * size)).scalars())
    found = {initiative.id: initiative for initiative in
             session.exec(select(Initiative).where(col(Initiative.id).in_(ids))).all()} if ids else {}  # fmt: skip
    shown = _overviews(session=session, initiatives=[found[key] for key in ids], day=day, signals=everywhere,
                       tagged=tagged)  # fmt: skip
    anything = count > 0 or session.execute(sa.select(col(Initiative.id)).limit(1)).first() is not None
    return OverviewPage(initiatives=shown, page=page, pages=pages, size=size, chosen=count,
                        owners=owner_names(session=session), any_initiatives=anything)  # fmt: skip


def portfolio_totals(*, session: Session, query: OverviewQuery, today: date | None = None) -> PortfolioTotals:
    """The whole portfolio's figures (of the initiatives the query's filters choose): the money from one aggregate
    over the finance ledger, the benefits counted by stage in one more; with a segment, of its tagged benefits."""
    day = today or date.today()
    everywhere = measures.signalling(session=session) if query.signals else None
    tagged = _tagged(session=session, segment=query.segment)
    conditions = _conditions(session=session, query=query, day=day, signals=everywhere, tagged=tagged)
    chosen = _chosen(conditions)
    entry = LEDGER.c
    this_year = _this_year(day, _start_months(session))

    def when(condition: Any, value: Any = entry.value) -> Any:
        return func.coalesce(func.sum(sa.case((condition, value), else_=0)), 0)

    money = sa.select(
        *[when(entry.stage == stage.value) for stage in STAGE_ORDER],
        when(sa.and_(entry.route == RealisationRoute.cash.value, this_year)),
        when(sa.and_(entry.route == RealisationRoute.capacity.value, this_year)),
        func.coalesce(func.sum(finance.cash_at_risk(day)), 0),
    )
    counted = sa.select(col(Benefit.stage), func.count()).where(col(Benefit.withdrawn).is_(False))
    if conditions:
        money = money.where(entry.initiative_id.in_(chosen))
        counted = counted.where(col(Benefit.initiative_id).in_(chosen))
    if tagged is not None:
        money = money.where(register.reaches(entry.benefit_id, tagged))
        counted = counted.where(register.reaches(col(Benefit.id), tagged))
    *by_stage, cash, capacity, risk = session.execute(money).one()
    counts = {str(stage): int(number) for stage, number in session.execute(counted.group_by(col(Benefit.stage)))}
    initiatives = int(session.execute(sa.select(func.count()).select_from(chosen.subquery())).scalar_one())
    return PortfolioTotals(
        initiatives=initiatives,
        funnel=[StageCount(stage.value, counts.get(stage.value, 0), _money(value))
                for stage, value in zip(STAGE_ORDER, by_stage, strict=True)],
        cash_this_year=_money(cash),
        capacity_this_year=_money(capacity),
        cash_at_risk=_money(risk),
    )  # fmt: skip


def _log_discount(schedule: DiscountSchedule, offset: Any) -> Any:
    """The natural log of 1 / discount factor for a year `offset` years from year 0, in SQL (as `factors_between`:
    years before year 0 compounded forward at the year-1 rate)."""
    parts = []
    for band in schedule.bands:
        low, high = max(band.first_year, 1), band.last_year
        if high is not None and high < low:
            continue
        beyond = ((offset > high, high - low + 1),) if high is not None else ()
        parts.append(sa.case((offset < low, 0), *beyond, else_=offset - low + 1) * math.log1p(float(band.rate)))
    return sa.case((offset < 0, offset * math.log1p(float(schedule.rate(1)))), else_=sum(parts[1:], parts[0]))


def _ensure_exp_and_ln(session: Session) -> None:
    """Give SQLite `exp` and `ln` where it was built without its mathematical functions (PostgreSQL has them)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    try:
        connection.exec_driver_sql("SELECT exp(0), ln(1)").all()
    except sa.exc.OperationalError:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.create_function("exp", 1, math.exp, deterministic=True)
        raw.create_function("ln", 1, math.log, deterministic=True)


def net_present_values(*, session: Session, day: date) -> Any:
    """A subquery of each initiative's economic and financial NPV (in ten-thousandths, floating point), computed
    by the database as `appraisal.appraise` computes them, for sorting the whole portfolio by them.

    Financial benefits come from the finance ledger; the few a ledger holds that an appraisal leaves out (levels)
    are taken off again, and the few it leaves out that an appraisal counts (non-financial money) are added."""
    settings, _ = appraisal.appraisal_settings(session=session)
    _ensure_exp_and_ln(session)
    entry = LEDGER.c
    raw = sa.BigInteger
    cash = RealisationRoute.cash.value
    from_ledger = sa.select(
        entry.initiative_id.label("initiative_id"), entry.year.label("year"), entry.value.label("economic"),
        sa.case((entry.route == cash, entry.value), else_=0).label("financial"),
    )  # fmt: skip
    levels = (
        sa.select(entry.initiative_id, entry.year, -entry.value, sa.case((entry.route == cash, -entry.value), else_=0))
        .join(Benefit, col(Benefit.id) == entry.benefit_id)
        .where(col(Benefit.measured_as) == MeasuredAs.level)
    )  # fmt: skip
    year_of = sa.cast(func.substr(ProfileEntry.period, 1, 4), sa.Integer)
    sign = sa.case((col(Benefit.is_disbenefit), -1), else_=1)
    value = sign * func.coalesce(sa.type_coerce(ProfileEntry.actual, raw), sa.type_coerce(ProfileEntry.planned, raw))
    non_financial = (
        sa.select(col(Benefit.initiative_id), year_of, value, sa.literal(0))
        .join(ProfileEntry, col(ProfileEntry.benefit_id) == col(Benefit.id))
        .where(col(Benefit.category) == Category.non_financial, *appraisal.VALUED)
    )
    uplifted = sa.cast(sa.type_coerce(CostAmount.amount, raw), sa.Float) * (
        1 + sa.cast(sa.type_coerce(CostLine.optimism_bias, raw), sa.Float) / 10**SCALE
    )
    cost_year = sa.cast(func.substr(CostAmount.period, 1, 4), sa.Integer)
    spent = sa.select(col(CostLine.initiative_id), cost_year, -uplifted, -uplifted).join(
        CostLine, col(CostLine.id) == col(CostAmount.cost_line_id)
    )
    flows = sa.union_all(from_ledger, levels, non_financial, spent).subquery("flows")
    yearly = (
        sa.select(flows.c.initiative_id, flows.c.year, func.sum(flows.c.economic).label("economic"),
                  func.sum(flows.c.financial).label("financial"))
        .group_by(flows.c.initiative_id, flows.c.year)
        .subquery("yearly")
    )  # fmt: skip
    # Year 0 when the initiative names neither a base year nor a start: the first year its appraisal holds.
    unanchored = sa.select(col(Initiative.id)).where(
        col(Initiative.base_year).is_(None), col(Initiative.start_date).is_(None)
    )
    approved_year = sa.cast(func.substr(ApprovedBaseline.period, 1, 4), sa.Integer)
    held = sa.union_all(
        sa.select(col(Benefit.initiative_id).label("initiative_id"), year_of.label("year"))
        .join(ProfileEntry, col(ProfileEntry.benefit_id) == col(Benefit.id))
        .where(col(Benefit.initiative_id).in_(unanchored), *appraisal.VALUED),
        sa.select(col(Benefit.initiative_id), approved_year)
        .join(ApprovedBaseline, col(ApprovedBaseline.benefit_id) == col(Benefit.id))
        .where(col(Benefit.initiative_id).in_(unanchored), *appraisal.VALUED),
        sa.select(col(CostLine.initiative_id), cost_year)
        .join(CostAmount, col(CostAmount.cost_line_id) == col(CostLine.id))
        .where(col(CostLine.initiative_id).in_(unanchored)),
    ).subquery("held")  # fmt: skip
    firsts = (
        sa.select(held.c.initiative_id, func.min(held.c.year).label("year"))
        .group_by(held.c.initiative_id)
        .subquery("firsts")
    )
    month = col(Initiative.fy_start_month)
    started = col(Initiative.start_date)
    start_year = sa.cast(sa.extract("year", started), sa.Integer)
    base = func.coalesce(
        sa.cast(func.substr(col(Initiative.base_year), 1, 4), sa.Integer),
        sa.case((sa.extract("month", started) >= month, start_year), else_=start_year - 1),
        firsts.c.year,
        sa.case((month <= day.month, day.year), else_=day.year - 1),
    )
    offset = yearly.c.year - base
    rate = sa.cast(func.coalesce(sa.type_coerce(col(Initiative.discount_rate), raw), 350), sa.Float) / 10**SCALE
    flat = offset * func.ln(1 + rate)
    chosen = col(Initiative.discount_schedule)
    default = ScheduleKey(settings.default_discount_schedule)
    by_key = {key: flat if key is ScheduleKey.flat else _log_discount(SCHEDULES[key.value], offset)
              for key in ScheduleKey}  # fmt: skip
    log_discount = sa.case(
        *[(chosen == key, by_key[key]) for key in ScheduleKey if key is not default], else_=by_key[default]
    )
    factor = func.exp(-log_discount)
    return (
        sa.select(
            yearly.c.initiative_id.label("initiative_id"),
            func.sum(yearly.c.economic * factor).label("economic"),
            func.sum(yearly.c.financial * factor).label("financial"),
        )
        .select_from(yearly)
        .join(Initiative, col(Initiative.id) == yearly.c.initiative_id)
        .outerjoin(firsts, firsts.c.initiative_id == col(Initiative.id))
        .group_by(yearly.c.initiative_id)
        .subquery("npvs")
    )
