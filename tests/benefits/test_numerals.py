"""A decimal sent as a string is taken exactly when the API's document says it is: each field's pattern is held
to what the field accepts, numeral by numeral, so a client generating from the document is never refused."""

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from benefits.columns import (
    POSITIVE_NUMERAL,
    QUANTITY_NUMERAL,
    SHARE_NUMERAL,
    UPLIFT_NUMERAL,
    PositiveQuantity,
    Quantity,
    Share,
    Uplift,
)
from benefits.periods import PERIOD_PATTERN, YEAR_PATTERN, PeriodError, parse_period

FIELDS = [
    (Quantity, QUANTITY_NUMERAL), (Share, SHARE_NUMERAL), (Uplift, UPLIFT_NUMERAL), (PositiveQuantity, POSITIVE_NUMERAL)
]  # fmt: skip

# Plain numerals of every length around each bound, with signs and leading zeros, and strings that are not numerals.
numerals = st.one_of(
    st.from_regex(r"\A[+-]?0{0,3}\d{1,14}(\.\d{0,6})?\Z"),
    st.from_regex(r"\A[+-]?0{0,3}\.\d{1,6}\Z"),
    st.sampled_from(["0", "-0", "-0.000", "1", "1.0000", "1.00001", "5", "5.0", "5.01", "4.9999", "1000000000000",
                     "1000000000000.0", "1000000000000.0001", "-1000000000000", "999999999999.99999", ".5", "5.",
                     "-.0", "+1", "1e3", " 1", "1 ", "1,000", "£5", "", "+", "-", ".", "0x1", "NaN", "Infinity",
                     "١٢", "1٢", "0.00005", "0.000049", ".0001", "0.00000", "00.00007"]),
    st.text(max_size=8),
)  # fmt: skip


def _accepted(field: Any, text: str) -> bool:
    try:
        TypeAdapter(field).validate_python(text)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("field", "pattern"), FIELDS, ids=["quantity", "share", "uplift", "positive"])
@given(text=numerals)
def test_the_documented_numerals_are_exactly_those_taken(field: Any, pattern: str, text: str) -> None:
    assert (re.search(pattern, text) is not None) == _accepted(field, text), text


def test_a_numeral_is_read_exactly_and_a_number_alike() -> None:
    assert TypeAdapter(Quantity).validate_python("1234.5678") == TypeAdapter(Quantity).validate_python(1234.5678)
    assert str(TypeAdapter(Share).validate_python("0.12345")) == "0.1235"  # half-up to the stored four places


years = st.integers(min_value=1850, max_value=3050).map(lambda start: start)
labels = st.one_of(
    st.tuples(years, st.integers(0, 99), st.sampled_from(["", " Q1", " Q4", " Q5", "Q1"])).map(
        lambda parts: f"{parts[0]:04d}-{parts[1]:02d}{parts[2]}"
    ),
    st.builds(lambda start, quarter: f"{start}-{(start + 1) % 100:02d}{quarter}", years, st.sampled_from(["", " Q2"])),
    st.sampled_from(["٢٠٢٦-٢٧", "2026-27\n", " 2026-27", "2026-27 ", "2026-27 q1"]),
    st.text(max_size=12),
)


def _parses(label: str) -> bool:
    try:
        parse_period(label)
    except PeriodError:
        return False
    return True


@given(label=labels)
def test_the_documented_periods_are_exactly_those_parsed(label: str) -> None:
    assert (re.search(PERIOD_PATTERN, label) is not None) == _parses(label), label
    year = _parses(label) and parse_period(label).quarter is None
    assert (re.search(YEAR_PATTERN, label) is not None) == year, label
