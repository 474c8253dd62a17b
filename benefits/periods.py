"""Financial-year periods such as `2026-27`, and quarters such as `2026-27 Q1`."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

_LABEL = re.compile(r"^([0-9]{4})-([0-9]{2})(?: Q([1-4]))?$")

# The labels parse_period takes, written out for the API's document: a start year from 1900 to 2999 and the two
# digits of the year after it (each pair spelt out, as a regular expression cannot add one to a number).
_FINANCIAL_YEAR = "(?:19|2[0-9])(?:" + "|".join(f"{n:02d}-{(n + 1) % 100:02d}" for n in range(100)) + ")"
YEAR_PATTERN = f"^{_FINANCIAL_YEAR}$"
PERIOD_PATTERN = f"^{_FINANCIAL_YEAR}(?: Q[1-4])?$"


class Granularity(StrEnum):
    """How an initiative divides time for profiles: financial years or their quarters."""

    year = "year"
    quarter = "quarter"


@dataclass(frozen=True, order=True)
class Period:
    """A financial year (quarter None) or one quarter of it; orders chronologically."""

    start_year: int
    quarter: int | None = None

    @property
    def label(self) -> str:
        """The label written on screens and in workbooks, e.g. `2026-27` or `2026-27 Q1`."""
        year = f"{self.start_year}-{(self.start_year + 1) % 100:02d}"
        return year if self.quarter is None else f"{year} Q{self.quarter}"

    @property
    def financial_year(self) -> "Period":
        """The financial year this period falls in."""
        return Period(self.start_year)

    def sort_key(self) -> tuple[int, int]:
        """Chronological order, a year before its first quarter."""
        return (self.start_year, self.quarter or 0)


class PeriodError(ValueError):
    """A label that is not a financial year or quarter."""

    code = "period_invalid"


class GranularityMismatch(PeriodError):
    """A year where the initiative profiles by quarter, or a quarter where it profiles by year."""

    code = "period_granularity"


def parse_period(label: str) -> Period:
    """Parse `2026-27` or `2026-27 Q1`; the second year must follow the first."""
    match = _LABEL.match(label)
    if match is None:
        raise PeriodError(f"'{label}' is not a financial year such as 2026-27 or a quarter such as 2026-27 Q1")
    start = int(match.group(1))
    if not 1900 <= start <= 2999:
        raise PeriodError(f"'{label}' is outside the years 1900 to 2999")
    if int(match.group(2)) != (start + 1) % 100:
        raise PeriodError(f"'{label}': the second year must follow the first, as in {Period(start).label}")
    quarter = int(match.group(3)) if match.group(3) else None
    return Period(start, quarter)


def parse_period_for(label: str, granularity: Granularity) -> Period:
    """Parse a label and check it has the initiative's granularity."""
    period = parse_period(label)
    if granularity is Granularity.year and period.quarter is not None:
        raise GranularityMismatch(f"'{label}' is a quarter; this initiative profiles by financial year")
    if granularity is Granularity.quarter and period.quarter is None:
        raise GranularityMismatch(f"'{label}' is a year; this initiative profiles by quarter, e.g. {label} Q1")
    return period


def financial_year_of(day: date, start_month: int = 4) -> Period:
    """The financial year a date falls in, for years starting in `start_month` (April by default)."""
    return Period(day.year if day.month >= start_month else day.year - 1)


def period_of(day: date, start_month: int, granularity: Granularity) -> Period:
    """The financial year, or quarter of it, that a date falls in."""
    year = financial_year_of(day, start_month)
    if granularity is Granularity.year:
        return year
    return Period(year.start_year, (day.month - start_month) % 12 // 3 + 1)


def first_day(period: Period, start_month: int = 4) -> date:
    """The day a financial year, or a quarter of it, begins, for years starting in `start_month`."""
    months = start_month - 1 + 3 * ((period.quarter or 1) - 1)
    return date(period.start_year + months // 12, months % 12 + 1, 1)


def last_day(period: Period, start_month: int = 4) -> date:
    """The last day of a financial year, or of a quarter of it."""
    following = (
        Period(period.start_year + 1)
        if period.quarter in (None, 4)
        else Period(period.start_year, (period.quarter or 0) + 1)
    )
    return first_day(following, start_month) - timedelta(days=1)
