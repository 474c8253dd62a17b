"""XmR charts checked against published examples: Wheeler's books and the NHS-R Community's "plot the dots" tools.

Sources (the figures below are copied from them, not recomputed):
- Wheeler, Making Sense of Data, p.382 "Data Set to Use When Verifying Software" and Table 9.1 (accident
  rates), as transcribed in the tests of the `statprocon` package;
- NHSRplotthedots (the NHS-R Community's R implementation of the Making Data Count charts): the vignette
  "Deviations from Excel defaults" (screening on and off), its `ptd_spc_standard` test snapshot (screening with a
  planted outlier), and its integration-test snapshots on monthly A&E data (a re-phase; a baseline of 12 points);
- nhspy-plotthedots (the NHS Python community's port): its limits unit tests.
"""

from datetime import date, timedelta

import pytest

from benefits.xmr import Direction, PointType, Signal, xmr_chart


def _daily(values: list[float], start: date = date(2021, 3, 22)) -> list[tuple[date, float]]:
    return [(start + timedelta(days=n), value) for n, value in enumerate(values)]


def _monthly(values: list[float], year: int = 2016, month: int = 4) -> list[tuple[date, float]]:
    return [(date(year + (month - 1 + n) // 12, (month - 1 + n) % 12 + 1, 1), value) for n, value in enumerate(values)]


def test_wheeler_data_set_to_use_when_verifying_software() -> None:
    values = [5045.0, 4350, 4350, 3975, 4290, 4430, 4485, 4285, 3980, 3925, 3645, 3760, 3300, 3685, 3463, 5200]
    chart = xmr_chart(_daily(values))
    limits = chart.phases[0]
    assert round(limits.mean, 2) == 4135.50
    assert round(limits.mean_moving_range, 2) == 355.93
    assert (round(limits.lpl, 2), round(limits.upl, 2)) == (3188.72, 5082.28)
    assert [point.moving_range for point in chart.points][1:4] == [695, 0, 375]
    # Only the last value is beyond the limits.
    outside = [n for n, point in enumerate(chart.points) if point.signal is Signal.outside_limits]
    assert outside == [15]


def test_wheeler_accident_rates_in_two_years_have_limits_each() -> None:
    year_a = [43.0, 40, 37, 33, 30, 33, 34, 35, 29, 33, 31, 39]
    year_b = [35.0, 37, 33, 32, 27, 29, 31, 22, 25, 30, 24, 19]
    chart = xmr_chart(_monthly(year_a + year_b), rephase=[date(2017, 4, 1)])
    first, second = chart.phases
    assert (round(first.lpl, 1), round(first.upl, 1)) == (25.6, 43.9)
    assert (round(second.lpl, 1), round(second.upl, 1)) == (18.0, 39.3)
    assert [point.phase for point in chart.points] == [0] * 12 + [1] * 12


DEVIATIONS = [1.0, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


@pytest.mark.parametrize(
    ("screen", "upl", "lpl"),
    [(True, 4.6, -0.72), (False, 6.95, -3.06)],  # screening off is what the Making Data Count spreadsheet does
)
def test_nhsr_deviations_vignette_with_and_without_screening(screen: bool, upl: float, lpl: float) -> None:
    chart = xmr_chart(_daily(DEVIATIONS), direction=Direction.increase, screen_outliers=screen)
    limits = chart.phases[0]
    assert (round(limits.upl, 2), round(limits.mean, 2), round(limits.lpl, 2)) == (upl, 1.94, lpl)
    kinds = [point.point_type for point in chart.points]
    assert kinds == [PointType.common_cause] * 4 + [PointType.improvement] + [PointType.common_cause] * 13


# R's set.seed(123); rnorm(20), with the 15th value replaced by 10 (the package's planted outlier).
RNORM = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
         -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, 10.0, 1.78691314,
         0.49785048, -1.96661716, 0.70135590, -0.47279141]  # fmt: skip


@pytest.mark.parametrize(
    ("screen", "lpl", "upl"),
    [(True, -2.383666, 3.722497), (False, -4.596625, 5.935457)],
)
def test_nhsr_planted_outlier_screened_and_not(screen: bool, lpl: float, upl: float) -> None:
    limits = xmr_chart(_daily(RNORM, date(2020, 1, 2)), screen_outliers=screen).phases[0]
    assert limits.mean == pytest.approx(0.6694159, abs=5e-8)
    assert limits.lpl == pytest.approx(lpl, abs=5e-7)
    assert limits.upl == pytest.approx(upl, abs=5e-7)
    assert limits.screened == (2 if screen else 0)


ATTENDANCES = [1867781.0, 2070340, 1958802, 2079034, 1932901, 1952464, 2001816, 1907871, 1944567, 1895272,
               1735619, 2015834, 1949762, 2066789, 1994056, 2073944, 1924663, 1925961, 2044137, 1976971, 2003954,
               2000086, 1820012, 2049785, 1984369, 2164458, 2093942, 2179896, 1997854, 2005695, 2079492, 2037847,
               2047518, 2113413, 1954947, 2167550]  # fmt: skip


@pytest.mark.parametrize("screen", [True, False])  # no moving range is large enough to be screened here
def test_nhsr_attendances_re_phased_in_april_2017(screen: bool) -> None:
    whole = xmr_chart(_monthly(ATTENDANCES), screen_outliers=screen).phases[0]
    assert (whole.mean, whole.lpl, whole.upl) == (
        pytest.approx(2000538.9444444445, rel=1e-12),
        pytest.approx(1731844.3644444444, rel=1e-12),
        pytest.approx(2269233.5244444446, rel=1e-12),
    )
    chart = xmr_chart(_monthly(ATTENDANCES), rephase=[date(2017, 4, 1)], screen_outliers=screen)
    before, after = chart.phases
    assert (before.mean, before.lpl, before.upl) == (
        pytest.approx(1946858.4166666667, rel=1e-12),
        pytest.approx(1639947.374848485, rel=1e-12),
        pytest.approx(2253769.4584848485, rel=1e-12),
    )
    assert (after.mean, after.lpl, after.upl) == (
        pytest.approx(2027379.2083333333, rel=1e-12),
        pytest.approx(1772921.0639855072, rel=1e-12),
        pytest.approx(2281837.3526811595, rel=1e-12),
    )
    assert [point.phase for point in chart.points] == [0] * 12 + [1] * 24
    assert {point.point_type for point in chart.points} == {PointType.common_cause}


PERFORMANCE = [0.9003512724457525, 0.9027555860390081, 0.9055994429248081, 0.9028524786030435, 0.909763097023593,
               0.9064786853944554, 0.8905308979446662, 0.8837903610883545, 0.8617594559611471, 0.851413411900772,
               0.8753090395991286, 0.9000949482943537, 0.9051525263083392, 0.8970035160821932, 0.9072518525056468,
               0.9034785895858326, 0.9029928875860346, 0.8966609396555797, 0.8994186788850258, 0.8876655246839736,
               0.8498503458662225, 0.8529918213516818, 0.8504476893558943, 0.8462121637147311, 0.8857248828216929,
               0.9039011151983545, 0.9076297242234981, 0.8931949047110505, 0.8972702710007838, 0.8894368286304747,
               0.8900933497219513, 0.8760446687116353, 0.8644632183941728, 0.843525141560121, 0.8422525009629417,
               0.8660427671795345]  # fmt: skip
C, U, K = PointType.common_cause, PointType.improvement, PointType.concern  # common, up (better), concern
# The published point types, months 1 to 36.
PERFORMANCE_TYPES = [C, C, C, C, C, C, C, C, C, K, C, U, U, U, U, U, U, U, U, C, K, K, K, K, C, C, C, C, C, K, K, K,
                     K, K, K, K]  # fmt: skip


def test_nhsr_four_hour_performance_with_limits_fixed_from_twelve_points() -> None:
    chart = xmr_chart(_monthly(PERFORMANCE), direction=Direction.increase, baseline_points=12, screen_outliers=True)
    (limits,) = chart.phases
    assert (limits.mean, limits.lpl, limits.upl) == (
        pytest.approx(0.8908915564349236, rel=1e-12),
        pytest.approx(0.8614049789074258, rel=1e-12),
        pytest.approx(0.9203781339624213, rel=1e-12),
    )
    assert [point.point_type for point in chart.points] == PERFORMANCE_TYPES
    # Month 9 lies beyond two sigma next to month 10 beyond the limit: only points inside the limits count
    # towards two-of-three, so month 9 stays common cause, as published.
    assert chart.points[8].signal is None and chart.points[9].signal is Signal.outside_limits
    assert not chart.trial


@pytest.mark.parametrize(
    ("values", "mean", "lpl", "upl"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 2.84, 8.16),
        ([1, 2, 3, 4, 5, 4, 3, 2, 1, 2], 2.7, 0.040000000000000036, 5.36),
        ([1, 2, 3], 2.0, -0.6600000000000001, 4.66),
        ([3, 1, 4, 1, 5, 9, 2], 3.5714285714285716, -6.625238095238096, 13.768095238095238),
        ([1, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 2], 3.0, -0.014666666666666828, 6.014666666666667),
    ],
)
def test_nhspy_limits(values: list[float], mean: float, lpl: float, upl: float) -> None:
    limits = xmr_chart(_daily(values), screen_outliers=True).phases[0]
    assert (limits.mean, limits.lpl, limits.upl) == (pytest.approx(mean), pytest.approx(lpl), pytest.approx(upl))


def test_nhsr_rule_cases() -> None:
    """The package's own rule tests: a tie breaks a trend; 2-in-3 needs one side; seven rising is a trend."""
    tied = xmr_chart(_daily([1.0, 2, 3, 3, 4, 5, 6]))
    assert Signal.trend not in {point.signal for point in tied.points}
    assert {point.signal for point in xmr_chart(_daily([1.0, 2, 3, 4, 5, 6, 7])).points} >= {Signal.trend}
    # 0 to 7: mean 3.5, limits 0.84 to 6.16. The first point is below the lower limit, which takes precedence
    # over the rising trend it starts; the rest rise (the last beyond the upper limit): improvement.
    rising = xmr_chart(_daily([float(value) for value in range(8)]), direction=Direction.increase)
    assert [point.signal for point in rising.points] == [
        Signal.outside_limits,
        *[Signal.trend] * 6,
        Signal.outside_limits,
    ]
    assert [point.point_type for point in rising.points] == [PointType.concern, *[PointType.improvement] * 7]
    # Alternating 1, -1 with the last two at +5.5 and -5.5: both common cause (opposite sides, inside the limits).
    alternating = [1.0, -1.0] * 8
    alternating[14], alternating[15] = 5.5, -5.5
    last_two = xmr_chart(_daily(alternating, date(2020, 1, 2))).points[-2:]
    assert [point.point_type for point in last_two] == [PointType.common_cause, PointType.common_cause]
