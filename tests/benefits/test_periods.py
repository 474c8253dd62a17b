"""Financial-year and quarter labels."""

from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benefits.periods import Granularity, Period, PeriodError, financial_year_of, parse_period, parse_period_for


def test_labels_read_as_finance_writes_them() -> None:
    assert parse_period("2026-27") == Period(2026)
    assert parse_period("2026-27 Q3") == Period(2026, 3)
    assert parse_period("1999-00").label == "1999-00"
    assert Period(2026, 1).financial_year.label == "2026-27"


@pytest.mark.parametrize("label", ["2026-28", "2026/27", "2026-27 Q5", "26-27", "2026-27Q1", "", "2026-27 q1"])
def test_malformed_labels_are_refused_with_a_reason(label: str) -> None:
    with pytest.raises(PeriodError, match=r"2026-27|follow|1900"):
        parse_period(label)


def test_granularity_is_enforced_both_ways() -> None:
    assert parse_period_for("2026-27", Granularity.year) == Period(2026)
    with pytest.raises(PeriodError, match="quarter"):
        parse_period_for("2026-27 Q1", Granularity.year)
    with pytest.raises(PeriodError, match="by quarter"):
        parse_period_for("2026-27", Granularity.quarter)


@pytest.mark.parametrize(
    ("day", "start_month", "expected"),
    [
        (date(2026, 4, 1), 4, "2026-27"),
        (date(2026, 3, 31), 4, "2025-26"),
        (date(2027, 1, 15), 4, "2026-27"),
        (date(2026, 12, 31), 1, "2026-27"),
        (date(2026, 6, 30), 7, "2025-26"),
    ],
)
def test_the_financial_year_of_a_date(day: date, start_month: int, expected: str) -> None:
    assert financial_year_of(day, start_month).label == expected


@given(st.integers(1900, 2999), st.one_of(st.none(), st.integers(1, 4)))
def test_every_label_parses_back_to_its_period(start: int, quarter: int | None) -> None:
    period = Period(start, quarter)
    assert parse_period(period.label) == period


@given(st.lists(st.tuples(st.integers(1900, 2999), st.one_of(st.none(), st.integers(1, 4))), min_size=2))
def test_sort_keys_order_periods_chronologically(pairs: list[tuple[int, int | None]]) -> None:
    periods = [Period(start, quarter) for start, quarter in pairs]
    ordered = sorted(periods, key=Period.sort_key)
    for earlier, later in pairwise(ordered):
        assert (earlier.start_year, earlier.quarter or 0) <= (later.start_year, later.quarter or 0)
