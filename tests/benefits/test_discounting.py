"""Discounting checked against the Green Book's published factors and an independent library."""

from decimal import Decimal
from itertools import pairwise

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benefits.discounting import (
    GREEN_BOOK_HEALTH,
    GREEN_BOOK_STANDARD,
    discount_factors,
    flat_schedule,
    internal_rate_of_return,
    net_present_value,
    payback_index,
)

# The Green Book's published discount factors at 3.5% (Annex A6), to four places.
PUBLISHED = {0: "1.0000", 1: "0.9662", 2: "0.9335", 3: "0.9019", 4: "0.8714", 5: "0.8420", 10: "0.7089",
             20: "0.5026", 30: "0.3563"}  # fmt: skip


def test_factors_match_the_published_green_book_table() -> None:
    factors = discount_factors(GREEN_BOOK_STANDARD, 31)
    for year, published in PUBLISHED.items():
        assert round(factors[year], 4) == Decimal(published), year


def test_year_zero_is_undiscounted_and_the_bands_join_without_a_jump() -> None:
    factors = discount_factors(GREEN_BOOK_STANDARD, 302)
    assert factors[0] == 1
    # Year 31 is the first at 3.0%: the year-30 factor divided by 1.03, not 1/1.03^31.
    for year, rate in [(31, "1.03"), (76, "1.025"), (126, "1.02"), (201, "1.015"), (301, "1.01")]:
        assert abs(factors[year] - factors[year - 1] / Decimal(rate)) < Decimal("1e-25"), year
    assert all(later < earlier for earlier, later in pairwise(factors))
    assert float(factors[75]) == pytest.approx(1 / 1.035**30 / 1.03**45, rel=1e-12)


def test_the_health_schedule_starts_at_one_and_a_half_percent() -> None:
    factors = discount_factors(GREEN_BOOK_HEALTH, 32)
    assert float(factors[30]) == pytest.approx(1.015**-30, rel=1e-12)
    assert float(factors[31]) == pytest.approx(1.015**-30 / 1.0129, rel=1e-12)


def test_npv_matches_numpy_financial_with_year_zero_outside_the_discounting() -> None:
    flows = [Decimal(-1_000_000), Decimal(300_000), Decimal(420_000), Decimal(420_000), Decimal(420_000)]
    ours = net_present_value(flows, discount_factors(flat_schedule(Decimal("0.035")), len(flows)))
    # numpy-financial's npv, like the Green Book, leaves the first value undiscounted (Excel's NPV does not).
    assert float(ours) == pytest.approx(npf.npv(0.035, [float(f) for f in flows]), rel=1e-12)


@given(
    st.lists(st.integers(-1_000_000, 1_000_000), min_size=2, max_size=12).filter(
        lambda flows: flows[0] < 0 and any(flow > 0 for flow in flows[1:])
    )
)
@settings(max_examples=200, deadline=None)
def test_irr_agrees_with_numpy_financial_where_both_find_one(flows: list[int]) -> None:
    ours = internal_rate_of_return([Decimal(flow) for flow in flows])
    theirs = npf.irr(flows)
    if ours is not None:
        # Whatever root we found, it zeroes the NPV.
        terms = [flow / (1 + ours) ** year for year, flow in enumerate(flows)]
        assert sum(terms) == pytest.approx(0, abs=1e-9 * sum(abs(term) for term in terms))
    if ours is not None and not np.isnan(theirs) and sum(1 for a, b in pairwise(flows) if (a < 0) != (b < 0)) == 1:
        # With one change of sign there is one IRR, so the two must agree.
        assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-9)


def test_irr_is_none_where_it_does_not_exist() -> None:
    assert internal_rate_of_return([Decimal(100), Decimal(50)]) is None
    assert internal_rate_of_return([Decimal(-100), Decimal(-50)]) is None
    assert internal_rate_of_return([Decimal(0), Decimal(0)]) is None
    assert internal_rate_of_return([Decimal(-100), Decimal(110)]) == pytest.approx(0.10, rel=1e-9)


def test_payback_is_the_first_year_the_cumulative_turns_non_negative() -> None:
    assert payback_index([Decimal(v) for v in (-1000, 300, 400, 300, 500)]) == 3
    assert payback_index([Decimal(v) for v in (-1000, 300, 400)]) is None
    assert payback_index([Decimal(v) for v in (0, 10)]) == 0


def test_irr_survives_long_horizons_and_takes_the_root_nearest_zero() -> None:
    long = [Decimal(-1), Decimal(200)] + [Decimal(0)] * 300 + [Decimal("0.01")]
    assert internal_rate_of_return(long) == pytest.approx(199, rel=1e-6)
    two_roots = [Decimal("1818.18"), Decimal("-2909.09"), Decimal(1000)]
    assert internal_rate_of_return(two_roots) == pytest.approx(npf.irr([1818.18, -2909.09, 1000]), rel=1e-6)


def test_payback_waits_for_the_last_negative_year() -> None:
    assert payback_index([Decimal(v) for v in (0, -500, 1000)]) == 2
    assert payback_index([Decimal(v) for v in (5, -10, 20)]) == 2
    assert payback_index([Decimal(v) for v in (5, 10)]) == 0
