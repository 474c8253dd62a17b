"""Sorting and filtering the portfolio overview: pure functions over made-up initiatives, no database."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from benefits.portfolio import (
    InitiativeOverview,
    OverviewColumn,
    OverviewQuery,
    SortOrder,
    arrange_overview,
    filter_overview,
    owners_of,
    sort_overview,
)


def _item(
    id: int, name: str, owner: str | None = None, *, npv: int = 0, cash: int = 0, risk: int = 0, signals: int = 0
) -> InitiativeOverview:
    return InitiativeOverview(
        id=id, name=name, owner=owner, funnel=[], economic_npv=Decimal(npv), financial_npv=Decimal(-npv),
        year="2025/26", cash_this_year=Decimal(cash), capacity_this_year=Decimal(cash * 2),
        cash_at_risk=Decimal(risk), signals=signals,
    )  # fmt: skip


PORTFOLIO = [
    _item(1, "Libraries online", "Priya Patel", npv=500, cash=10, risk=0, signals=2),
    _item(2, "contact centre redesign", None, npv=1500, cash=30, risk=25, signals=0),
    _item(3, "Benefits digital", "amir Khan", npv=500, cash=20, risk=5, signals=1),
    _item(4, "Automated parking permits", "Priya Patel", npv=-200, cash=0, risk=0, signals=0),
    _item(5, "Benefits digital", "Zoe Adams", npv=900, cash=20, risk=0, signals=0),
]


def _ids(overview: list[InitiativeOverview]) -> list[int]:
    return [item.id for item in overview]


def test_names_sort_without_regard_to_case_and_ties_fall_to_the_id() -> None:
    assert _ids(sort_overview(PORTFOLIO, by=OverviewColumn.name)) == [4, 3, 5, 2, 1]
    assert _ids(sort_overview(PORTFOLIO, by=OverviewColumn.name, order=SortOrder.descending)) == [1, 2, 3, 5, 4]


def test_initiatives_with_no_owner_come_last_whichever_way_the_owners_run() -> None:
    assert _ids(sort_overview(PORTFOLIO, by=OverviewColumn.owner)) == [3, 4, 1, 5, 2]
    assert _ids(sort_overview(PORTFOLIO, by=OverviewColumn.owner, order=SortOrder.descending)) == [5, 4, 1, 3, 2]


def test_equal_figures_keep_the_name_order_in_both_directions() -> None:
    # Ids 1 and 3 share an economic NPV of 500; "Benefits digital" (3) comes before "Libraries online" (1) both ways.
    assert _ids(sort_overview(PORTFOLIO, by=OverviewColumn.economic_npv)) == [4, 3, 1, 5, 2]
    assert _ids(sort_overview(PORTFOLIO, by=OverviewColumn.economic_npv, order=SortOrder.descending)) == [2, 5, 3, 1, 4]
    assert _ids(sort_overview(PORTFOLIO, by=OverviewColumn.financial_npv)) == [2, 5, 3, 1, 4]


@pytest.mark.parametrize(
    ("column", "ascending"),
    [
        (OverviewColumn.cash_this_year, [4, 1, 3, 5, 2]),
        (OverviewColumn.capacity_this_year, [4, 1, 3, 5, 2]),
        (OverviewColumn.cash_at_risk, [4, 5, 1, 3, 2]),
        (OverviewColumn.signals, [4, 5, 2, 3, 1]),
    ],
)
def test_each_figure_column_sorts_both_ways(column: OverviewColumn, ascending: list[int]) -> None:
    assert _ids(sort_overview(PORTFOLIO, by=column)) == ascending
    descending = _ids(sort_overview(PORTFOLIO, by=column, order=SortOrder.descending))
    values = [getattr(item, column.value) for item in sort_overview(PORTFOLIO, by=column, order=SortOrder.descending)]
    assert values == sorted(values, reverse=True)
    assert sorted(descending) == sorted(ascending)


def test_sorting_leaves_the_given_list_alone_and_copes_with_none() -> None:
    before = list(PORTFOLIO)
    sort_overview(PORTFOLIO, by=OverviewColumn.signals, order=SortOrder.descending)
    assert before == PORTFOLIO
    assert sort_overview([], by=OverviewColumn.owner) == []


def test_filters_by_owner_words_of_the_name_cash_at_risk_and_signals() -> None:
    assert _ids(filter_overview(PORTFOLIO, owner="priya patel")) == [1, 4]
    assert _ids(filter_overview(PORTFOLIO, text="  DIGITAL benefits ")) == [3, 5]
    assert _ids(filter_overview(PORTFOLIO, text="benefits parking")) == []
    assert _ids(filter_overview(PORTFOLIO, with_cash_at_risk=True)) == [2, 3]
    assert _ids(filter_overview(PORTFOLIO, with_signals=True)) == [1, 3]
    assert _ids(filter_overview(PORTFOLIO, with_cash_at_risk=True, with_signals=True)) == [3]
    assert _ids(filter_overview(PORTFOLIO)) == [1, 2, 3, 4, 5]


def test_a_query_filters_then_sorts() -> None:
    query = OverviewQuery.model_validate({"sort": "cash_this_year", "order": "desc", "q": "i", "signals": "1"})
    assert _ids(arrange_overview(PORTFOLIO, query=query)) == [3, 1]
    assert _ids(arrange_overview(PORTFOLIO, query=OverviewQuery())) == [4, 3, 5, 2, 1]


@pytest.mark.parametrize(
    "given", [{"sort": "budget"}, {"order": "sideways"}, {"cash_at_risk": "maybe"}, {"q": "x" * 201}]
)
def test_a_query_with_a_value_it_cannot_take_is_refused_by_field(given: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as refused:
        OverviewQuery.model_validate(given)
    assert [error["loc"][0] for error in refused.value.errors()] == list(given)


def test_the_owners_to_choose_from_are_each_named_once_in_order() -> None:
    assert owners_of(PORTFOLIO) == ["amir Khan", "Priya Patel", "Zoe Adams"]
