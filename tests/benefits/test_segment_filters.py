"""Who gains, in the domain: the dashboard's overview and totals and the cash-versus-capacity summary filtered by a
customer segment agree with sums worked out here, in Python, over the profiles of the benefits tagged with it."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from benefits import confirmations, demand, finance, portfolio, register
from benefits.errors import InvalidInput
from benefits.models import Benefit, CashConfirmationCreate, ProfileEntryIn
from benefits.models.demand import ReferenceCreate
from benefits.periods import financial_year_of, parse_period
from benefits.portfolio import OverviewColumn, OverviewQuery, SortOrder
from benefits.stages import STAGE_ORDER, Category, RealisationRoute, Stage
from tests.support.factories import TESTER, make_benefit, make_cost_centre, make_initiative

TODAY = date(2026, 11, 23)
THIS_YEAR = financial_year_of(TODAY).start_year
NOBODY = ""  # where `_tagged_portfolio` keeps the benefits tagged with no segment


def _tagged_portfolio(session: Session) -> dict[str, set[int]]:
    """Three initiatives whose benefits reach residents, businesses, both or nobody; the ids tagged, by segment (the
    untagged under `NOBODY`)."""
    for code, name in (("residents", "Residents"), ("businesses", "Businesses"), ("visitors", "Visitors")):
        demand.create_reference(session=session, kind=demand.ReferenceList.segments,
                                fields=ReferenceCreate(code=code, name=name), actor=TESTER)  # fmt: skip
    make_cost_centre(session, code="CS1")
    make_cost_centre(session, code="CS2")
    tags: dict[str, set[int]] = defaultdict(set)

    def benefit(initiative: object, reaches: tuple[str, ...], **fields: object) -> Benefit:
        made = make_benefit(session, initiative=initiative, **fields)  # type: ignore[arg-type]
        assert made.id is not None
        demand.tag(session=session, target=demand.Tagged.benefits, target_id=made.id, segments=reaches, actor=TESTER)
        for code in reaches or (NOBODY,):
            tags[code].add(made.id)
        return made

    money = {"category": "financial", "unit": "GBP"}
    council_tax = make_initiative(session, name="Council tax online")
    benefit(council_tax, ("residents",), stage=Stage.planned, title="Print", route="cash", cost_centre="CS1", **money)
    benefit(council_tax, ("businesses",), stage=Stage.planned, title="Rework", route="capacity",
            redeployment="Casework", **money)  # fmt: skip
    benefit(council_tax, (), stage=Stage.planned, title="Post", route="cash", cost_centre="CS2", **money)
    both = benefit(council_tax, ("residents", "businesses"), stage=Stage.delivered, title="Calls", route="capacity",
                   redeployment="Outreach", **money)  # fmt: skip
    assert both.id is not None
    waste = make_initiative(session, name="Waste rota")
    rota = benefit(waste, ("residents",), stage=Stage.planned, title="Rounds", route="cash", cost_centre="CS2", **money)
    assert rota.id is not None
    register.replace_profile(session=session, benefit_id=rota.id, expected_version=None, actor=TESTER,
                             rows=[ProfileEntryIn(period="2025-26", planned=Decimal("30"), actual=Decimal("31")),
                                   ProfileEntryIn(period="2026-27", planned=Decimal("70")),
                                   ProfileEntryIn(period="2027-28", planned=Decimal("90"))])  # fmt: skip
    finance_confirms = CashConfirmationCreate(period="2026-27", amount=Decimal("20"))
    confirmations.confirm_cash(session=session, benefit_id=rota.id, fields=finance_confirms, actor=TESTER)
    benefit(waste, ("residents",), stage=Stage.planned, title="Noise", route="capacity", redeployment="Patrols",
            is_disbenefit=True, **money)  # fmt: skip
    level = {"category": "non_financial", "unit": "%", "route": None, "redeployment": None}
    benefit(waste, ("residents",), stage=Stage.scoped, title="Satisfaction", **level)
    gone = benefit(waste, ("residents",), title="Withdrawn idea", **money)
    assert gone.id is not None
    register.withdraw_benefit(session=session, benefit_id=gone.id, reason="Dropped", expected_version=None,
                              actor=TESTER)  # fmt: skip
    parking = make_initiative(session, name="Parking permits")
    benefit(parking, ("businesses",), stage=Stage.planned, title="Permits", route="cash", cost_centre="CS1", **money)
    make_initiative(session, name="Libraries")  # nobody gains from it yet
    return tags


@dataclass
class Expected:
    """The dashboard's figures of some benefits: live ones by stage, and each initiative's money this year."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_stage: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    per_initiative: dict[int, dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Decimal))
    )

    def total(self, figure: str) -> Decimal:
        """One figure summed over the initiatives."""
        return sum((figures[figure] for figures in self.per_initiative.values()), Decimal(0))


def _expected(session: Session, benefit_ids: set[int]) -> Expected:
    """The dashboard's figures worked out from each tagged benefit's own profile and confirmations."""
    found = Expected()
    counts, by_stage, per_initiative = found.counts, found.by_stage, found.per_initiative
    for benefit_id in benefit_ids:
        benefit = register.get_benefit(session=session, benefit_id=benefit_id)
        if benefit.withdrawn:
            continue
        counts[benefit.stage] += 1
        if benefit.category != Category.financial:
            continue
        sign = -1 if benefit.is_disbenefit else 1
        confirmed: dict[str, Decimal] = defaultdict(Decimal)
        for entry in benefit.cash_confirmations:
            confirmed[entry.period] += entry.amount
        figures = per_initiative[benefit.initiative_id]
        for row in benefit.profile:
            value = sign * (row.actual if row.actual is not None else row.planned or Decimal(0))
            by_stage[benefit.stage] += value
            year = parse_period(row.period).start_year
            if year == THIS_YEAR and benefit.route in (RealisationRoute.cash, RealisationRoute.capacity):
                figures[benefit.route.value] += value
            shortfall = sign * (row.planned or Decimal(0)) - confirmed[row.period]
            if benefit.route == RealisationRoute.cash and year <= THIS_YEAR and shortfall > 0:
                figures["at_risk"] += shortfall
    return found


@pytest.mark.parametrize("segment", ["residents", "businesses", "visitors"])
def test_the_totals_of_a_segment_are_its_tagged_benefits_summed(session: Session, segment: str) -> None:
    tags = _tagged_portfolio(session)
    expected = _expected(session, tags[segment])
    totals = portfolio.portfolio_totals(session=session, query=OverviewQuery(segment=segment), today=TODAY)
    assert [(step.stage, step.benefits, step.value) for step in totals.funnel] == [
        (stage.value, expected.counts.get(stage.value, 0), expected.by_stage.get(stage.value, Decimal(0)))
        for stage in STAGE_ORDER
    ]
    assert totals.cash_this_year == expected.total("cash")
    assert totals.capacity_this_year == expected.total("capacity")
    assert totals.cash_at_risk == expected.total("at_risk")
    live = [register.get_benefit(session=session, benefit_id=benefit_id) for benefit_id in tags[segment]]
    reached = {benefit.initiative_id for benefit in live if not benefit.withdrawn}
    assert totals.initiatives == len(reached)
    # Each initiative the segment reaches, and only those, with its own figures of the tagged benefits.
    overview = portfolio.portfolio_overview(session=session, today=TODAY, segment=segment)
    assert {item.id for item in overview} == reached
    for item in overview:
        figures = expected.per_initiative.get(item.id, {})
        assert (item.cash_this_year, item.capacity_this_year, item.cash_at_risk) == (
            figures.get("cash", Decimal(0)), figures.get("capacity", Decimal(0)), figures.get("at_risk", Decimal(0))
        )  # fmt: skip


def test_a_page_of_a_segment_is_its_overview_sorted_then_cut(session: Session) -> None:
    _tagged_portfolio(session)
    everything = portfolio.portfolio_overview(session=session, today=TODAY, segment="residents")
    unfiltered = portfolio.portfolio_overview(session=session, today=TODAY)
    assert len(everything) < len(unfiltered)
    for column in OverviewColumn:
        for order in SortOrder:
            query = OverviewQuery(segment="residents", sort=column, order=order)
            page = portfolio.overview_page(session=session, query=query, size=1, today=TODAY)
            wanted = portfolio.sort_overview(everything, by=column, order=order)
            assert page.chosen == len(wanted) and page.pages == len(wanted)
            shown = [
                portfolio.overview_page(
                    session=session, query=query.model_copy(update={"page": number}), size=1, today=TODAY
                ).initiatives[0]
                for number in range(1, page.pages + 1)
            ]
            assert [item.id for item in shown] == [item.id for item in wanted], (column, order)
            assert shown == wanted
    risky = portfolio.overview_page(session=session, query=OverviewQuery(segment="businesses", cash_at_risk=True),
                                    today=TODAY)  # fmt: skip
    assert [item.name for item in risky.initiatives] == [
        item.name for item in portfolio.portfolio_overview(session=session, today=TODAY, segment="businesses")
        if item.cash_at_risk > 0
    ]  # fmt: skip


def _by_year(session: Session, benefit_ids: set[int]) -> dict[str, dict[str, Decimal]]:
    """The live financial benefits' values by year and route, from their own profiles (the actual where recorded)."""
    found: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for benefit_id in benefit_ids:
        benefit = register.get_benefit(session=session, benefit_id=benefit_id)
        if benefit.withdrawn or benefit.category != Category.financial:
            continue
        sign = -1 if benefit.is_disbenefit else 1
        for row in benefit.profile:
            value = sign * (row.actual if row.actual is not None else row.planned or Decimal(0))
            found[row.period][str(benefit.route)] += value
    return found


def test_the_cash_capacity_summary_of_a_segment_sums_its_tagged_benefits(session: Session) -> None:
    tags = _tagged_portfolio(session)
    for segments in (["residents"], ["businesses"], ["residents", "businesses"], ["visitors"]):
        wanted = _by_year(session, set().union(*(tags[code] for code in segments)))
        summary = finance.cash_capacity_summary(session=session, segments=segments, today=TODAY)
        got = {year.year: {"cash": year.cash, "capacity": year.capacity, "undecided": year.undecided}
               for year in summary.years}  # fmt: skip
        assert got == {year: {route: routes.get(route, Decimal(0)) for route in ("cash", "capacity", "undecided")}
                       for year, routes in wanted.items()}, segments  # fmt: skip
    whole = finance.cash_capacity_summary(session=session, today=TODAY)
    every = finance.cash_capacity_summary(session=session, segments=["residents", "businesses"], today=TODAY)
    # The benefits nobody is tagged as gaining from ("Post", a cash one) are all that is left.
    nobody = _by_year(session, tags[NOBODY])
    assert sum(routes["cash"] for routes in nobody.values()) > 0
    assert {y.year: y.cash for y in whole.years} == {y.year: y.cash + nobody[y.year]["cash"]
                                                     for y in every.years}  # fmt: skip


def test_a_segment_not_on_the_list_is_refused_by_name(session: Session) -> None:
    _tagged_portfolio(session)
    for attempt in (
        lambda: portfolio.portfolio_totals(session=session, query=OverviewQuery(segment="pensioners")),
        lambda: portfolio.overview_page(session=session, query=OverviewQuery(segment="pensioners")),
        lambda: finance.cash_capacity_summary_checked(session=session, segments=["residents", "pensioners"]),
    ):
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert [(p.code, p.field) for p in refused.value.problems] == [("unknown_segment", "segment")]
        assert "pensioners" in refused.value.detail and "/api/v1/demand/segments" in refused.value.detail
