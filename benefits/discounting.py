"""Discounting and the appraisal arithmetic: pure functions over plain values (HM Treasury Green Book rules).

Year 0 is the appraisal's base year and is undiscounted; each later year's factor is the previous year's divided
by (1 + that year's rate), so factors run on smoothly where the rate steps down.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import pairwise

from scipy import optimize


@dataclass(frozen=True)
class RateBand:
    """A discount rate for the years `first_year` to `last_year` (inclusive; None: every year after)."""

    first_year: int
    last_year: int | None
    rate: Decimal


@dataclass(frozen=True)
class DiscountSchedule:
    """A named, versioned schedule of discount rates by year."""

    key: str
    name: str
    version: str
    bands: tuple[RateBand, ...]

    def rate(self, year: int) -> Decimal:
        """The rate that applies in `year` (year 1 is the first discounted one)."""
        for band in self.bands:
            if band.first_year <= year and (band.last_year is None or year <= band.last_year):
                return band.rate
        raise ValueError(f"the schedule {self.key} has no rate for year {year}")


def _bands(*steps: tuple[int, int | None, str]) -> tuple[RateBand, ...]:
    return tuple(RateBand(first, last, Decimal(rate)) for first, last, rate in steps)


GREEN_BOOK_STANDARD = DiscountSchedule(
    key="green_book",
    name="HM Treasury Green Book: standard declining long-term rate",
    version="2022",
    bands=_bands((0, 30, "0.035"), (31, 75, "0.030"), (76, 125, "0.025"), (126, 200, "0.020"), (201, 300, "0.015"),
                 (301, None, "0.010")),
)  # fmt: skip
GREEN_BOOK_HEALTH = DiscountSchedule(
    key="green_book_health",
    name="HM Treasury Green Book: health and life values",
    version="2022",
    bands=_bands((0, 30, "0.015"), (31, 75, "0.0129"), (76, 125, "0.0107"), (126, 200, "0.0086"),
                 (201, 300, "0.0064"), (301, None, "0.0043")),
)  # fmt: skip
SCHEDULES = {schedule.key: schedule for schedule in (GREEN_BOOK_STANDARD, GREEN_BOOK_HEALTH)}


def flat_schedule(rate: Decimal) -> DiscountSchedule:
    """A custom schedule with one rate for every year."""
    return DiscountSchedule(key="flat", name=f"Flat {rate:%}", version="custom", bands=_bands((0, None, str(rate))))


def discount_factors(schedule: DiscountSchedule, years: int) -> list[Decimal]:
    """The factors for years 0 to `years - 1`: 1 for year 0, then each the one before over (1 + that year's rate)."""
    factors: list[Decimal] = []
    with localcontext() as context:
        context.prec = 34
        factor = Decimal(1)
        for year in range(years):
            if year:
                factor = factor / (1 + schedule.rate(year))
            factors.append(+factor)
    return factors


def present_values(values: Sequence[Decimal], factors: Sequence[Decimal]) -> list[Decimal]:
    """Each year's value times its discount factor."""
    return [value * factor for value, factor in zip(values, factors, strict=True)]


def net_present_value(values: Sequence[Decimal], factors: Sequence[Decimal]) -> Decimal:
    """The sum of the discounted values (year 0 undiscounted)."""
    return sum(present_values(values, factors), Decimal(0))


def internal_rate_of_return(values: Sequence[Decimal]) -> float | None:
    """The flat rate at which the values' NPV is zero (year 0 undiscounted), or None where there is none.

    Searched between -99% and 1,000,000%; a series whose NPV never changes sign there has no IRR.
    """
    flows = [float(value) for value in values]
    if not any(flows) or all(flow >= 0 for flow in flows) or all(flow <= 0 for flow in flows):
        return None

    def npv_at(rate: float) -> float:
        return sum(flow / (1 + rate) ** year for year, flow in enumerate(flows))

    # Scan for a sign change from low rates upwards, so the root found is the one nearest to zero first.
    grid = [-0.99, -0.9, -0.5, -0.2, 0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 10_000.0]
    for low, high in pairwise(grid):
        at_low, at_high = npv_at(low), npv_at(high)
        if at_low == 0:
            return low
        if (at_low > 0) != (at_high > 0):
            return float(optimize.brentq(npv_at, low, high, xtol=1e-14, rtol=1e-14, maxiter=500))
    return None


def payback_index(values: Sequence[Decimal]) -> int | None:
    """The first year in which the cumulative value turns non-negative after a negative start; None if never.

    A series that never goes negative pays back at once (year 0).
    """
    total = Decimal(0)
    for year, value in enumerate(values):
        total += value
        if total >= 0:
            return year
    return None
