"""XmR (process behaviour) charts, by the rules NHS England's "Making Data Count" tools apply.

Pure functions over dates and values: no database. A chart is split into phases at each re-phase date; each
phase has its own centre line and natural process limits, and no run or trend crosses from one phase into the next.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise
from statistics import fmean

LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128: three sigma from the mean moving range
SCREEN_FACTOR = 3.267  # the upper range limit: a moving range at or above 3.267 x the mean is screened out
RANGE_LIMIT_FACTOR = 3.268  # the moving-range chart's upper range limit, D4 for ranges of two (as Wheeler writes it)
RUN_LENGTH = 7  # points on one side of the centre line
TREND_LENGTH = 7  # points each above (or below) the one before
TRIAL_BELOW = 12  # limits from fewer points than this are trial limits


class Direction(StrEnum):
    """Which way is better for a measure."""

    increase = "increase"
    decrease = "decrease"
    neutral = "neutral"


class Signal(StrEnum):
    """The special-cause rules, in order of precedence."""

    outside_limits = "outside_limits"
    trend = "trend"
    two_of_three = "two_of_three"
    run = "run"


class Assurance(StrEnum):
    """Whether the process, as it runs, will meet its target (the Making Data Count assurance icons)."""

    hit_and_miss = "hit_and_miss"  # the target lies within the limits: sometimes met, sometimes not
    consistently_fail = "consistently_fail"  # beyond the limits on the better side: out of the process's reach
    consistently_pass = "consistently_pass"  # noqa: S105  (not a password) beyond the limits on the worse side


class PointType(StrEnum):
    """What a point says, given the measure's improvement direction."""

    common_cause = "common_cause"
    improvement = "special_cause_improvement"
    concern = "special_cause_concern"
    neutral_high = "special_cause_neutral_high"
    neutral_low = "special_cause_neutral_low"


@dataclass(frozen=True)
class Limits:
    """One phase's centre line and limits, and the moving ranges behind them."""

    mean: float
    mean_moving_range: float
    screened: int  # moving ranges screened out before the mean moving range was recomputed

    @property
    def upl(self) -> float:
        """The upper natural process limit."""
        return self.mean + LIMIT_FACTOR * self.mean_moving_range

    @property
    def lpl(self) -> float:
        """The lower natural process limit."""
        return self.mean - LIMIT_FACTOR * self.mean_moving_range

    @property
    def upper_range_limit(self) -> float:
        """The moving-range chart's upper range limit: 3.268 x the mean moving range."""
        return RANGE_LIMIT_FACTOR * self.mean_moving_range

    @property
    def sigma(self) -> float:
        """One sigma: a third of the distance from the centre line to a limit."""
        return LIMIT_FACTOR * self.mean_moving_range / 3


@dataclass(frozen=True)
class ChartPoint:
    """One point of the chart with the limits of its phase and what it signals."""

    date: date
    value: float
    moving_range: float | None
    phase: int
    mean: float
    lpl: float
    upl: float
    signal: Signal | None
    point_type: PointType


@dataclass(frozen=True)
class XmrChart:
    """The chart: every point, each phase's limits, and whether any limits are only trial limits."""

    points: list[ChartPoint]
    phases: list[Limits]
    trial: bool


def moving_ranges(values: Sequence[float]) -> list[float]:
    """The absolute differences between consecutive values."""
    return [abs(after - before) for before, after in pairwise(values)]


def limits_of(values: Sequence[float], *, screen_outliers: bool = False) -> Limits:
    """Centre line and limits from these values; optionally screening large moving ranges once."""
    ranges = moving_ranges(values)
    mean_range = fmean(ranges) if ranges else 0.0
    screened = 0
    if screen_outliers and ranges and mean_range > 0:
        kept = [r for r in ranges if r < SCREEN_FACTOR * mean_range]
        screened = len(ranges) - len(kept)
        if kept:
            mean_range = fmean(kept)
    return Limits(mean=fmean(values), mean_moving_range=mean_range, screened=screened)


def _side(value: float, mean: float) -> int:
    return (value > mean) - (value < mean)


def _stretches(length: int, continues: Callable[[int], bool]) -> list[tuple[int, int]]:
    """Maximal stretches [start, end) of indices where `continues(i)` links point i to point i - 1."""
    stretches = []
    start = 0
    for index in range(1, length + 1):
        if index == length or not continues(index):
            stretches.append((start, index))
            start = index
    return stretches


def _marked_runs(values: Sequence[float], mean: float) -> list[int]:
    """+1 / -1 for points in a run of 7 or more above / below the centre line (a point on it breaks the run)."""
    marks = [0] * len(values)
    sides = [_side(value, mean) for value in values]
    for start, end in _stretches(len(values), lambda i: sides[i] != 0 and sides[i] == sides[i - 1]):
        if sides[start] != 0 and end - start >= RUN_LENGTH:
            marks[start:end] = [sides[start]] * (end - start)
    return marks


def _marked_trends(values: Sequence[float]) -> list[int]:
    """+1 / -1 for points in a trend of 7 or more, each strictly above / below the one before (a tie breaks it)."""
    marks = [0] * len(values)
    for direction in (1, -1):

        def rising(index: int, direction: int = direction) -> bool:
            return (values[index] - values[index - 1]) * direction > 0

        for start, end in _stretches(len(values), rising):
            if end - start >= TREND_LENGTH:
                for point in range(start, end):
                    marks[point] = marks[point] or direction
    return marks


def _marked_two_of_three(values: Sequence[float], limits: Limits) -> list[int]:
    """+1 / -1 for points between two sigma and the limits, 2 or 3 of them in 3 consecutive points, all 3 one side.

    Only points inside the limits count towards the two, as in the Making Data Count rule this follows: a point
    beyond a limit is its own signal.
    """
    marks = [0] * len(values)
    two_sigma = 2 * limits.sigma
    for start in range(len(values) - 2):
        window = range(start, start + 3)
        for side in (1, -1):
            if not all(_side(values[point], limits.mean) == side for point in window):
                continue
            near = [
                point
                for point in window
                if (values[point] - limits.mean) * side > two_sigma and limits.lpl <= values[point] <= limits.upl
            ]
            if len(near) >= 2:
                for point in near:
                    marks[point] = side
    return marks


def _point_type(side: int, direction: Direction) -> PointType:
    if direction is Direction.neutral:
        return PointType.neutral_high if side > 0 else PointType.neutral_low
    better = 1 if direction is Direction.increase else -1
    return PointType.improvement if side == better else PointType.concern


def _phase_points(
    dates: Sequence[date], values: Sequence[float], phase: int, limits: Limits, direction: Direction
) -> list[ChartPoint]:
    runs = _marked_runs(values, limits.mean)
    trends = _marked_trends(values)
    near = _marked_two_of_three(values, limits)
    ranges: list[float | None] = [None, *moving_ranges(values)]
    points = []
    for index, value in enumerate(values):
        signal: Signal | None = None
        side = 0
        if value > limits.upl or value < limits.lpl:
            signal, side = Signal.outside_limits, _side(value, limits.mean)
        elif trends[index]:
            signal, side = Signal.trend, trends[index]
        elif near[index]:
            signal, side = Signal.two_of_three, near[index]
        elif runs[index]:
            signal, side = Signal.run, runs[index]
        points.append(
            ChartPoint(
                date=dates[index],
                value=value,
                moving_range=ranges[index],
                phase=phase,
                mean=limits.mean,
                lpl=limits.lpl,
                upl=limits.upl,
                signal=signal,
                point_type=_point_type(side, direction) if signal else PointType.common_cause,
            )
        )
    return points


def xmr_chart(
    observations: Sequence[tuple[date, float]],
    *,
    direction: Direction = Direction.neutral,
    baseline_points: int | None = None,
    rephase: Sequence[date] = (),
    screen_outliers: bool = False,
) -> XmrChart:
    """The XmR chart of these observations (in any order; one per date).

    `baseline_points` fixes each phase's limits from its first N points; `rephase` starts a new phase at the
    first point on or after each date; `screen_outliers` drops moving ranges at or above 3.267 x their mean
    before recomputing the mean moving range once.
    """
    ordered = sorted(observations)
    starts = sorted(set(rephase))
    phases: list[list[tuple[date, float]]] = [[]]
    for when, value in ordered:
        while starts and when >= starts[0]:
            starts.pop(0)
            if phases[-1]:
                phases.append([])
        phases[-1].append((when, value))
    points: list[ChartPoint] = []
    phase_limits: list[Limits] = []
    trial = False
    for number, phase in enumerate(part for part in phases if part):
        dates = [when for when, _ in phase]
        values = [value for _, value in phase]
        basis = values[:baseline_points] if baseline_points else values
        trial = trial or len(basis) < TRIAL_BELOW
        limits = limits_of(basis, screen_outliers=screen_outliers)
        phase_limits.append(limits)
        points.extend(_phase_points(dates, values, number, limits, direction))
    return XmrChart(points=points, phases=phase_limits, trial=trial)


def assurance(*, target: float, lpl: float, upl: float, direction: Direction) -> Assurance | None:
    """Will a process with these limits meet the target? None when the measure has no better direction.

    A target on a limit counts as within it: the process reaches it now and then.
    """
    if direction is Direction.neutral:
        return None
    if lpl <= target <= upl:
        return Assurance.hit_and_miss
    beyond_better_side = target > upl if direction is Direction.increase else target < lpl
    return Assurance.consistently_fail if beyond_better_side else Assurance.consistently_pass
