"""The portfolio a page at a time: sorted, filtered and counted by the database, each page agreeing with the whole
overview sorted and filtered in Python, and the totals agreeing with a sum over every initiative."""

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from benefits import appraisal, costs, portfolio
from benefits.example import load_example
from benefits.models import ProfileEntryIn
from benefits.models.cost import CostAmountIn, CostKind, CostLineCreate
from benefits.portfolio import InitiativeOverview, OverviewColumn, OverviewQuery, SortOrder
from benefits.register import replace_profile
from benefits.stages import Stage
from tests.support.factories import TESTER, make_benefit, make_cost_centre, make_initiative, make_person

TODAY = date(2026, 11, 23)


def _varied_portfolio(session: Session) -> None:
    """The worked example beside initiatives that differ in every way the overview's figures depend on."""
    load_example(session=session)
    make_cost_centre(session, code="CS9")
    person = make_person(session, name="Zed Young")
    settings: list[dict[str, Any]] = [
        {"name": "Allotments online", "owner": "amir Khan", "base_year": "2025-26"},
        {"name": "Waste rota", "fy_start_month": 1, "start_date": date(2026, 2, 1)},  # January years: 2026 now
        {"name": "Parking permits", "owner_id": person.id, "discount_schedule": "flat",
         "discount_rate": Decimal("0.06")},
        {"name": "Libraries_100%", "owner": "Amir Khan", "discount_schedule": "green_book_health",
         "fy_start_month": 12},  # December years: 2025-26 still
        {"name": "Empty", "owner": ""},
    ]  # fmt: skip
    for number, fields in enumerate(settings):
        initiative = make_initiative(session, **fields)
        assert initiative.id is not None
        make_benefit(session, initiative=initiative, stage=Stage.planned, category="financial", unit="GBP",
                     route="cash", cost_centre="CS9", title="Printing stopped")  # fmt: skip
        if number % 2 == 0:
            make_benefit(session, initiative=initiative, stage=Stage.delivered, title="Rework avoided",
                         category="financial", unit="GBP", route="capacity", redeployment="Casework")  # fmt: skip
        if number == 1:
            # A non-financial benefit valued in pounds counts in the appraisal, though the finance ledger leaves it out.
            social = make_benefit(session, initiative=initiative, stage=Stage.scoped, title="Wellbeing",
                                  category="non_financial", unit="GBP", route=None, redeployment=None)  # fmt: skip
            assert social.id is not None
            replace_profile(session=session, benefit_id=social.id, expected_version=None, actor=TESTER,
                            rows=[ProfileEntryIn(period=f"{year}-{(year + 1) % 100:02d}", planned=Decimal(70))
                                  for year in (2024, 2026, 2029)])  # fmt: skip
        if number in (1, 2):
            costs.create_cost(session=session, initiative_id=initiative.id, actor=TESTER, fields=CostLineCreate(
                title="Build", kind=CostKind.capital, optimism_bias=Decimal("0.2"),
                profile=[CostAmountIn(period="2026-27", amount=Decimal(120 * (number + 1))),
                         CostAmountIn(period="2030-31", amount=Decimal(15))]))  # fmt: skip


def _ids(overview: list[InitiativeOverview]) -> list[int]:
    return [item.id for item in overview]


QUERIES = [
    *[{"sort": column.value, "order": order.value} for column in OverviewColumn for order in SortOrder],
    {"owner": "AMIR khan "},
    {"owner": "Zed Young", "sort": "economic_npv", "order": "desc"},
    {"q": "  ONLINE "},
    {"q": "libraries_1"},  # an underscore is a letter to search for, not a wildcard
    {"q": "es_1"},
    {"cash_at_risk": "1", "sort": "cash_at_risk"},
    {"signals": "1", "sort": "signals", "order": "desc"},
    {"q": "e", "sort": "financial_npv", "order": "asc"},
]


def test_every_page_is_the_whole_overview_sorted_and_filtered_then_cut(session: Session) -> None:
    _varied_portfolio(session)
    everything = portfolio.portfolio_overview(session=session, today=TODAY)
    for given in QUERIES:
        _pages_agree(session, everything, given)


def _pages_agree(session: Session, everything: list[InitiativeOverview], given: dict[str, str]) -> None:
    expected = portfolio.arrange_overview(everything, query=OverviewQuery.model_validate(given))
    pages = []
    for number in (1, 2, 3, 4):
        query = OverviewQuery.model_validate(given | {"page": str(number)})
        page = portfolio.overview_page(session=session, query=query, size=2, today=TODAY)
        assert page.chosen == len(expected)
        assert page.pages == max(1, -(-len(expected) // 2))
        if number <= page.pages:
            assert page.page == number
            assert (page.first, page.last) == ((number - 1) * 2 + 1, (number - 1) * 2 + len(page.initiatives))
            pages.extend(page.initiatives)
        else:
            assert page.page == page.pages  # a page past the end shows the last
    # Each row's figures are the overview's own, and the pages together are the whole list in its order.
    assert _ids(pages) == _ids(expected), given
    assert pages == expected, given


def test_the_page_names_every_owner_whatever_the_filters(session: Session) -> None:
    _varied_portfolio(session)
    everything = portfolio.portfolio_overview(session=session, today=TODAY)
    page = portfolio.overview_page(session=session, query=OverviewQuery(q="nothing is called this"), today=TODAY)
    assert (page.initiatives, page.chosen, page.pages, page.first, page.last) == ([], 0, 1, 0, 0)
    assert page.any_initiatives
    assert page.owners == portfolio.owners_of(everything)


def test_an_empty_portfolio_has_one_empty_page(session: Session) -> None:
    page = portfolio.overview_page(session=session, query=OverviewQuery(), today=TODAY)
    assert (page.initiatives, page.chosen, page.pages, page.any_initiatives) == ([], 0, 1, False)
    totals = portfolio.portfolio_totals(session=session, query=OverviewQuery(), today=TODAY)
    assert (totals.initiatives, totals.cash_this_year, totals.cash_at_risk) == (0, 0, 0)


def test_the_totals_are_the_sum_over_every_initiative_chosen(session: Session) -> None:
    _varied_portfolio(session)
    everything = portfolio.portfolio_overview(session=session, today=TODAY)
    for given in ({}, {"owner": "amir khan"}, {"q": "online"}, {"cash_at_risk": "1"}, {"signals": "1"}):
        _totals_agree(session, everything, OverviewQuery.model_validate(given))


def _totals_agree(session: Session, everything: list[InitiativeOverview], query: OverviewQuery) -> None:
    chosen = portfolio.arrange_overview(everything, query=query)
    totals = portfolio.portfolio_totals(session=session, query=query, today=TODAY)
    assert totals.initiatives == len(chosen)
    assert [step.stage for step in totals.funnel] == [stage.value for stage in Stage]
    for index, step in enumerate(totals.funnel):
        assert step.benefits == sum(item.funnel[index].benefits for item in chosen)
        assert step.value == sum((item.funnel[index].value for item in chosen), Decimal(0))
    assert totals.cash_this_year == sum((item.cash_this_year for item in chosen), Decimal(0))
    assert totals.capacity_this_year == sum((item.capacity_this_year for item in chosen), Decimal(0))
    assert totals.cash_at_risk == sum((item.cash_at_risk for item in chosen), Decimal(0))
    assert totals.funnel[2].benefits > 0


def test_the_database_s_npvs_agree_with_the_appraisal(session: Session) -> None:
    _varied_portfolio(session)
    everything = portfolio.portfolio_overview(session=session, today=TODAY)
    for item in everything:
        appraised = appraisal.appraise(session=session, initiative_id=item.id)
        assert (item.economic_npv, item.financial_npv) == (appraised.economic.npv, appraised.financial.npv)
    npvs = portfolio.net_present_values(session=session, day=TODAY)
    found = {row.initiative_id: row for row in session.execute(npvs.select())}
    for item in everything:
        row = found.get(item.id)
        economic, financial = (Decimal(0), Decimal(0)) if row is None else (row.economic, row.financial)
        # Ten-thousandths of a pound, in floating point: to within a ten-thousandth of a penny.
        assert abs(Decimal(economic) / 10_000 - item.economic_npv) <= Decimal("0.005"), item.name
        assert abs(Decimal(financial) / 10_000 - item.financial_npv) <= Decimal("0.005"), item.name
    assert len({item.economic_npv for item in everything}) == len(everything)  # the sort has something to tell


def test_signal_counts_of_more_initiatives_than_a_compound_select_allows(session: Session) -> None:
    # One SELECT per initiative joined by UNION ALL failed on SQLite past 500 terms, answered as a busy database.
    counts = {initiative_id: initiative_id % 7 + 1 for initiative_id in range(1, 1_202)}
    table = portfolio._signal_counts(session, counts)
    read = session.exec(sa.select(table.c.initiative_id, table.c.figure)).all()  # type: ignore[call-overload]
    assert dict(read) == counts
