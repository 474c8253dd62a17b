"""The portfolio at a glance: each initiative's owner, stage funnel, NPVs, this year's cash and capacity, signals."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Session, col, func, select

from benefits import appraisal, finance, measures
from benefits.columns import SCALE
from benefits.ledger import LEDGER
from benefits.models import Benefit, Initiative, Person
from benefits.periods import financial_year_of
from benefits.stages import STAGE_ORDER, RealisationRoute


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


def portfolio_overview(*, session: Session, today: date | None = None) -> list[InitiativeOverview]:
    """Every initiative with its funnel, appraisal, cash and capacity this financial year, and measure signals."""
    day = today or date.today()
    initiatives = session.exec(select(Initiative).order_by(col(Initiative.name), col(Initiative.id))).all()
    owners = {
        person.id: person.name
        for person in session.exec(
            select(Person).where(col(Person.id).in_([i.owner_id for i in initiatives if i.owner_id]))
        ).all()
    }
    counts: dict[tuple[int, str], int] = {}
    for initiative_id, stage, count in session.execute(
        sa.select(col(Benefit.initiative_id), col(Benefit.stage), func.count())
        .where(col(Benefit.withdrawn).is_(False))
        .group_by(col(Benefit.initiative_id), col(Benefit.stage))
    ):
        counts[(initiative_id, str(stage))] = int(count)
    entry = LEDGER.c
    values: dict[tuple[int, str], Decimal] = {}
    for initiative_id, stage, raw in session.execute(
        sa.select(entry.initiative_id, entry.stage, func.sum(entry.value)).group_by(entry.initiative_id, entry.stage)
    ):
        values[(initiative_id, stage)] = _money(raw)
    by_year: dict[tuple[int, str, int], Decimal] = defaultdict(Decimal)
    at_risk: dict[int, Decimal] = defaultdict(Decimal)
    risk_today = func.sum(finance.cash_at_risk(day))
    yearly = sa.select(entry.initiative_id, entry.route, entry.year, func.sum(entry.value), risk_today).group_by(
        entry.initiative_id, entry.route, entry.year
    )
    for initiative_id, route, year, raw, risk in session.execute(yearly):
        at_risk[initiative_id] += _money(risk)
        by_year[(initiative_id, route, int(year))] += _money(raw)
    appraisals = appraisal.appraise_many(session=session, initiatives=initiatives)
    signals = measures.signalling(session=session)
    overview = []
    for initiative in initiatives:
        assert initiative.id is not None
        current = financial_year_of(day, initiative.fy_start_month)
        appraised = appraisals[initiative.id]
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
                economic_npv=appraised.economic.npv,
                financial_npv=appraised.financial.npv,
                year=current.label,
                cash_this_year=by_year[(initiative.id, RealisationRoute.cash.value, current.start_year)],
                capacity_this_year=by_year[(initiative.id, RealisationRoute.capacity.value, current.start_year)],
                cash_at_risk=at_risk.get(initiative.id, Decimal(0)),
                signals=signals.get(initiative.id, 0),
            )
        )
    return overview


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
    return sorted({item.owner for item in overview if item.owner}, key=str.casefold)
