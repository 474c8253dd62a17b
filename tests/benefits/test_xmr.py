"""XmR charts: limits, screening, baselines, re-phasing and the four special-cause rules, checked by hand."""

from datetime import date

import pytest

from benefits.xmr import Assurance, Direction, PointType, Signal, assurance, limits_of, xmr_chart


def _months(count: int, start: date = date(2024, 4, 1)) -> list[date]:
    return [date(start.year + (start.month - 1 + n) // 12, (start.month - 1 + n) % 12 + 1, 1) for n in range(count)]


def _dated(values: list[float]) -> list[tuple[date, float]]:
    return list(zip(_months(len(values)), values, strict=True))


# Twelve points: mean 11, every moving range 2, so limits 11 +/- 5.32 and two sigma 11 +/- 3.5467.
BASE = [12.0, 10.0] * 6  # ends below the line, so what follows starts its own run


def _signals(values: list[float], **options: object) -> list[Signal | None]:
    return [point.signal for point in xmr_chart(_dated(values), baseline_points=12, **options).points]  # type: ignore[arg-type]


def test_limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges() -> None:
    limits = limits_of([10, 12, 11, 13, 12])
    # Moving ranges 2, 1, 2, 1: mean 1.5.
    assert limits.mean == pytest.approx(11.6)
    assert limits.mean_moving_range == pytest.approx(1.5)
    assert (limits.lpl, limits.upl) == (pytest.approx(11.6 - 3.99), pytest.approx(11.6 + 3.99))
    chart = xmr_chart(_dated([10, 12, 11, 13, 12]))
    assert chart.trial  # fewer than 12 points
    assert [point.moving_range for point in chart.points] == [None, 2, 1, 2, 1]
    assert not xmr_chart(_dated(BASE)).trial


def test_screening_drops_moving_ranges_at_or_above_3_267_times_their_mean_once() -> None:
    values = [10.0, 11, 10, 11, 10, 30, 10, 11, 10, 11, 10, 11]
    plain = limits_of(values)
    screened = limits_of(values, screen_outliers=True)
    # Moving ranges: nine of 1 and two of 20, mean 49 / 11; 3.267 x that is 14.55, so both 20s go.
    assert plain.mean_moving_range == pytest.approx(49 / 11)
    assert (screened.mean_moving_range, screened.screened) == (pytest.approx(1.0), 2)
    assert screened.mean == plain.mean == pytest.approx(145 / 12)
    assert screened.upl == pytest.approx(145 / 12 + 2.66)


def test_a_point_outside_the_limits_is_improvement_or_concern_by_direction() -> None:
    values = [*BASE, 17]
    for direction, expected in [
        (Direction.increase, PointType.improvement),
        (Direction.decrease, PointType.concern),
        (Direction.neutral, PointType.neutral_high),
    ]:
        last = xmr_chart(_dated(values), baseline_points=12, direction=direction).points[-1]
        assert (last.signal, last.point_type) == (Signal.outside_limits, expected)
    low = xmr_chart(_dated([*BASE, 5]), baseline_points=12, direction=Direction.decrease).points[-1]
    assert (low.signal, low.point_type) == (Signal.outside_limits, PointType.improvement)
    assert all(point.point_type is PointType.common_cause for point in xmr_chart(_dated(BASE)).points)


def test_a_run_is_seven_points_on_one_side_and_a_point_on_the_line_breaks_it() -> None:
    assert _signals([*BASE, *[11.5] * 7])[12:] == [Signal.run] * 7
    assert _signals([*BASE, *[11.5] * 6]) == [None] * 18
    assert _signals([*BASE, *[11.5] * 3, 11, *[11.5] * 3]) == [None] * 19
    below = xmr_chart(_dated([*BASE, *[10.5] * 8]), baseline_points=12, direction=Direction.decrease).points[12:]
    assert {(point.signal, point.point_type) for point in below} == {(Signal.run, PointType.improvement)}


def test_a_trend_is_seven_points_each_beyond_the_one_before_and_a_tie_breaks_it() -> None:
    rising = [8.0, 9, 10, 11, 12, 13, 14]
    chart = xmr_chart(_dated([*BASE, *rising]), baseline_points=12, direction=Direction.increase)
    assert [point.signal for point in chart.points[12:]] == [Signal.trend] * 7
    assert {point.point_type for point in chart.points[12:]} == {PointType.improvement}
    assert _signals([*BASE, 8, 9, 10, 10, 11, 12, 13]) == [None] * 19
    falling = [14.0, 13, 12, 11, 10, 9, 8]
    # The base ends at 10 and rises to 14; the fall starts at 14, so exactly these seven are marked.
    assert _signals([*BASE, *falling])[12:] == [Signal.trend] * 7


def test_two_of_three_beyond_two_sigma_marks_those_two_points() -> None:
    signals = _signals([*BASE, 15, 11.5, 15])
    assert signals[12:] == [Signal.two_of_three, None, Signal.two_of_three]
    # The middle point on the other side of the centre line: no signal.
    assert _signals([*BASE, 15, 10, 15])[12:] == [None, None, None]
    # One beyond two sigma is not enough.
    assert _signals([*BASE, 15, 11.5, 12])[12:] == [None, None, None]


def test_the_rules_take_precedence_in_order() -> None:
    # Seven points above the line, one of them beyond the limits: that one is outside, the rest a run.
    signals = _signals([*BASE, 11.5, 11.5, 17, 11.5, 11.5, 11.5, 11.5])
    assert signals[12:] == [Signal.run, Signal.run, Signal.outside_limits, *[Signal.run] * 4]
    # A rising trend that ends above the line: trend beats run and two-of-three.
    signals = _signals([*BASE, 11.2, 11.4, 11.6, 11.8, 12.0, 15.0, 15.5])
    assert signals[12:] == [Signal.trend] * 7


def test_a_rephase_starts_new_limits_and_no_run_crosses_it() -> None:
    values = [*BASE, *[11.5] * 7]
    dates = _months(len(values))
    rephased = xmr_chart(list(zip(dates, values, strict=True)), baseline_points=12, rephase=[dates[15]])
    assert [point.signal for point in rephased.points] == [None] * 19
    assert [point.phase for point in rephased.points] == [0] * 15 + [1] * 4
    assert rephased.phases[1].mean == pytest.approx(11.5)
    assert rephased.points[15].moving_range is None  # moving ranges start again in the new phase
    assert rephased.trial  # the new phase has only four points


def test_a_baseline_fixes_the_limits_from_the_first_points() -> None:
    values = [*BASE, 20.0, 21, 22]
    fixed = xmr_chart(_dated(values), baseline_points=12)
    assert {point.mean for point in fixed.points} == {11}
    free = xmr_chart(_dated(values))
    assert free.points[0].mean == pytest.approx(sum(values) / len(values))


def test_the_moving_range_chart_limit_is_3_268_mean_moving_ranges_in_each_phase() -> None:
    values = [10.0, 12, 11, 13, 12, 20, 24, 22]
    dates = _months(len(values))
    chart = xmr_chart(list(zip(dates, values, strict=True)), rephase=[dates[5]])
    # Phase one: moving ranges 2, 1, 2, 1, mean 1.5, limit 4.902. Phase two: 4, 2, mean 3, limit 9.804.
    assert [limits.mean_moving_range for limits in chart.phases] == [pytest.approx(1.5), pytest.approx(3.0)]
    assert [limits.upper_range_limit for limits in chart.phases] == [pytest.approx(4.902), pytest.approx(9.804)]


# Limits of [10, 12, 11, 13, 12]: 7.61 to 15.59, worked out in the first test.
LPL, UPL = 11.6 - 3.99, 11.6 + 3.99


@pytest.mark.parametrize(
    ("target", "direction", "expected"),
    [
        (14.0, Direction.increase, Assurance.hit_and_miss),
        (14.0, Direction.decrease, Assurance.hit_and_miss),
        (UPL, Direction.increase, Assurance.hit_and_miss),  # on a limit: reached now and then
        (LPL, Direction.decrease, Assurance.hit_and_miss),
        (16.0, Direction.increase, Assurance.consistently_fail),  # more wanted than the process ever gives
        (7.0, Direction.increase, Assurance.consistently_pass),  # less wanted than it ever gives
        (7.0, Direction.decrease, Assurance.consistently_fail),
        (16.0, Direction.decrease, Assurance.consistently_pass),
        (16.0, Direction.neutral, None),  # no better side, so no reading
        (14.0, Direction.neutral, None),
    ],
)
def test_assurance_reads_the_target_against_the_limits(
    target: float, direction: Direction, expected: Assurance | None
) -> None:
    limits = limits_of([10, 12, 11, 13, 12])
    assert assurance(target=target, lpl=limits.lpl, upl=limits.upl, direction=direction) is expected
