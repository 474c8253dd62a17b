"""Discounting and the appraisal arithmetic: pure functions over plain values (HM Treasury Green Book rules).

Year 0 is the appraisal's base year and is undiscounted; each later year's factor is the previous year's divided
by (1 + that year's rate), so factors run on smoothly where the rate steps down.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext


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


def factors_between(schedule: DiscountSchedule, first: int, last: int) -> list[Decimal]:
    """Factors for years `first` to `last` relative to year 0; a year before it is compounded forward at the
    year-1 rate (a value from the past is worth more now), so nothing the profiles hold is left out."""
    later = discount_factors(schedule, last + 1) if last >= 0 else []
    earlier = []
    with localcontext() as context:
        context.prec = 34
        for year in range(first, 0):
            earlier.append((1 + schedule.rate(1)) ** -year)
    return earlier + later[max(first, 0) :]


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

    The NPV is a polynomial in x = 1 / (1 + rate); of its real positive roots, the rate nearest zero is taken
    (as numpy-financial does), so long horizons neither overflow nor lose the meaningful root.
    """
    # Imported here: numpy loads with the first rate of return computed, not when the service starts.
    import numpy as np

    flows = np.array([float(value) for value in values])
    if not flows.any() or (flows >= 0).all() or (flows <= 0).all():
        return None
    try:
        roots = np.roots(flows[::-1])
    except (np.linalg.LinAlgError, ValueError):
        return None
    candidates = []
    for root in roots:
        if abs(root.imag) > 1e-9 or root.real <= 0:
            continue
        rate = 1 / root.real - 1
        if np.isfinite(rate) and rate > -1:
            candidates.append(float(rate))
    if not candidates:
        return None
    best = min(candidates, key=abs)

    # Polish the root found from the polynomial, where the NPV changes sign close by.
    def npv_at(rate: float) -> float:
        return float(np.sum(flows / (1 + rate) ** np.arange(len(flows))))

    low, high = best - 1e-6 * max(1, abs(best)), best + 1e-6 * max(1, abs(best))
    with np.errstate(all="ignore"):
        if low > -1 and np.isfinite(npv_at(low)) and np.isfinite(npv_at(high)) and npv_at(low) * npv_at(high) < 0:
            # Imported here: scipy takes a third of a second to load, which serving need not spend at start-up.
            from scipy import optimize

            best = float(optimize.brentq(npv_at, low, high, xtol=1e-15, rtol=1e-15))
    return best


def payback_index(values: Sequence[Decimal]) -> int | None:
    """The year in which the cumulative value turns non-negative for good; None if it ends negative.

    That is the year after its last negative point; a series whose cumulative is never negative pays back in
    its first year.
    """
    total, last_negative = Decimal(0), None
    for year, value in enumerate(values):
        total += value
        if total < 0:
            last_negative = year
    if last_negative is None:
        return 0 if values else None
    return last_negative + 1 if last_negative + 1 < len(values) else None
