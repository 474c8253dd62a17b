"""Server-drawn charts: every special-cause point drawn with its own shape, and user text escaped."""

import re
from datetime import date

import pytest

from benefits.models.measure import ChartPointRead, ChartRead
from benefits.xmr import Direction
from web.charts import (
    cash_capacity_svg,
    cash_flow_svg,
    describe_cash_capacity,
    describe_cash_flow,
    describe_profile,
    profile_svg,
    value_axis,
)
from web.xmr_chart import xmr_svg


def _chart(kinds: list[str]) -> ChartRead:
    points = [
        ChartPointRead(date=date(2026, 1 + n, 1), value=10.0 + n, moving_range=None if n == 0 else 1.0, phase=0,
                       mean=12.0, lpl=8.0, upl=16.0, signal=None if kind == "common_cause" else "run",
                       point_type=kind)
        for n, kind in enumerate(kinds)
    ]  # fmt: skip
    return ChartRead(measure_id=1, direction=Direction.decrease, baseline_points=None, rephase=[],
                     screen_outliers=False, trial=True, phases=[], points=points,
                     summary="Three points <b>bold</b>.")  # fmt: skip


def test_shapes_say_what_colour_alone_would_not() -> None:
    svg = str(xmr_svg(_chart(["common_cause", "special_cause_improvement", "special_cause_concern"]), title="T"))
    assert svg.count("<rect x=") == 1 + 1  # the frame, and the one improvement as a square
    assert svg.count("<polygon") == 1 and svg.count('r="3"') == 1
    assert 'role="img"' in svg and '<title id="chart-title">T</title>' in svg


def test_user_text_is_escaped() -> None:
    svg = str(xmr_svg(_chart(["common_cause"]), title="<script>alert(1)</script>", unit="<i>calls</i>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg and "&lt;b&gt;bold" in svg and "&lt;i&gt;calls" in svg
    assert str(xmr_svg(_chart([]), title="Empty")) == "<p>No observations yet.</p>"


def _bars(svg: str) -> list[tuple[float, float, float]]:
    """Each bar's y, height and the value its tooltip names, in drawing order."""
    found = re.findall(r"<title>[^<]*: (?:benefits|costs|actual) (-?£?[\d,.]+)[^<]*</title>"
                       r"<rect x=\"[\d.]+\" y=\"([\d.]+)\" width=\"[\d.]+\" height=\"([\d.]+)\"", svg)  # fmt: skip
    return [(float(y), float(height), float(value.replace("£", "").replace(",", ""))) for value, y, height in found]


def test_cash_flow_bars_are_proportional_and_costs_go_below_the_axis() -> None:
    svg = str(cash_flow_svg(["2026-27", "2027-28"], benefits=[100.0, 400.0], costs=[200.0, 50.0],
                            cumulative=[-100.0, 250.0], title="T", description="D"))  # fmt: skip
    bars = _bars(svg)
    assert [value for _, _, value in bars] == [100.0, 200.0, 400.0, 50.0]  # benefits then costs, year by year
    heights = [height for _, height, _ in bars]
    assert heights[2] == pytest.approx(4 * heights[0], rel=0.01) and heights[1] == pytest.approx(
        4 * heights[3], rel=0.01
    )
    axis = float(re.search(r'y1="([\d.]+)" y2="[\d.]+" stroke="#1b1b1b" stroke-width="1.5"', svg).group(1))  # type: ignore[union-attr]
    benefit_top, cost_top = bars[0][0], bars[1][0]
    assert benefit_top + bars[0][1] == pytest.approx(axis, abs=0.2)  # a benefit stands on the axis
    assert cost_top == pytest.approx(axis, abs=0.2)  # a cost hangs below it
    assert svg.count("<polyline") == 1 and svg.count("url(#cash-flow-hatch)") >= 2
    assert 'role="img"' in svg and '<title id="cash-flow-title">T</title>' in svg and "Financial year" in svg


def test_a_negative_benefit_is_drawn_below_the_axis() -> None:
    svg = str(cash_flow_svg(["2026-27"], benefits=[-300.0], costs=[0.0], cumulative=[-300.0], title="T",
                            description="D"))  # fmt: skip
    (top, height, value), _cost = _bars(svg)
    assert value == -300.0 and height > 0
    axis = float(re.search(r'y1="([\d.]+)" y2="[\d.]+" stroke="#1b1b1b" stroke-width="1.5"', svg).group(1))  # type: ignore[union-attr]
    assert top == pytest.approx(axis, abs=0.2)


def test_the_value_axis_always_holds_zero_and_round_ticks() -> None:
    assert value_axis([120.0, 380.0]) == (0.0, 400.0, [0.0, 100.0, 200.0, 300.0, 400.0])
    low, high, ticks = value_axis([-795_400.0, 1_655_565.0])
    assert low <= -795_400 and high >= 1_655_565 and 0.0 in ticks and len(ticks) <= 8
    assert value_axis([0.0]) == (0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0])


def test_cash_flow_in_words_names_the_year_it_turns_positive() -> None:
    words = describe_cash_flow(["2026-27", "2027-28", "2028-29"], benefits=[0.0, 500.0, 500.0],
                               costs=[600.0, 100.0, 0.0], cumulative=[-600.0, -200.0, 280.0])  # fmt: skip
    assert "turns positive in 2028-29" in words and "lowest in 2026-27, at -£600" in words
    assert "benefits of £1,000 against costs of £700" in words
    assert "never stays positive" in describe_cash_flow(["2026-27"], benefits=[0.0], costs=[5.0], cumulative=[-5.0])


def test_profile_chart_draws_each_series_with_its_own_shape_and_leaves_gaps() -> None:
    svg = str(profile_svg(["2026-27", "2027-28", "2028-29"], baseline=[100.0, 200.0, None],
                          planned=[110.0, None, 300.0], actual=[90.0, None, None], title="P", description="D",
                          unit="calls"))  # fmt: skip
    assert svg.count("<circle") == 2 + 1  # two planned values, and the key's dot
    assert svg.count('width="9" height="9"') == 2 + 1  # two baseline values, and the key's square
    assert len(_bars(svg)) == 1 and "2026-27: actual 90 calls" in svg
    assert svg.count("<polyline") == 1  # the baseline's run; the plan has a gap, so no line is drawn across it
    assert 'stroke-dasharray="7 4"' in svg and ">calls</text>" in svg
    assert (
        str(profile_svg([], baseline=[], planned=[], actual=[], title="P", description="D")) == "<p>No profile yet.</p>"
    )


def test_profile_in_words() -> None:
    words = describe_profile(["2026-27", "2027-28"], baseline=[100.0, 100.0], planned=[120.0, 100.0],
                             actual=[90.0, None], money=True)  # fmt: skip
    assert words == (
        "From 2026-27 to 2027-28: planned £220 in all against an approved baseline of £200. "
        "Actuals recorded for 1 of 2 periods total £90, against £120 planned for those periods."
    )
    assert "no baseline has been approved yet" in describe_profile(["2026-27"], baseline=[None], planned=[5.0],
                                                                   actual=[None], unit="calls")  # fmt: skip


def test_new_charts_escape_user_text() -> None:
    hostile = "<script>alert(1)</script>"
    flows = str(cash_flow_svg([hostile], benefits=[1.0], costs=[1.0], cumulative=[0.0], title=hostile,
                              description=f"<b>{hostile}</b>"))  # fmt: skip
    profile = str(profile_svg([hostile], baseline=[1.0], planned=[2.0], actual=[1.0], title=hostile,
                              description=hostile, unit="<i>u</i>"))  # fmt: skip
    for svg in (flows, profile):
        assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg and "<i>" not in svg


def test_cash_capacity_bars_stand_side_by_side_in_proportion_with_their_own_fills() -> None:
    svg = str(cash_capacity_svg(["2026-27", "2027-28"], cash=[100.0, 300.0], capacity=[50.0, -20.0],
                                undecided=[0.0, 200.0], title="<Cash>", description="D"))  # fmt: skip
    found = re.findall(r"<title>([^<]*): ([a-z -]+) (-?£[\d,]+)</title><rect x=\"([\d.]+)\" y=\"([\d.]+)\" "
                       r"width=\"[\d.]+\" height=\"([\d.]+)\" fill=\"([^\"]+)\"", svg)  # fmt: skip
    assert [(year, route, money) for year, route, money, *_ in found] == [
        ("2026-27", "cash-releasing", "£100"), ("2026-27", "capacity", "£50"), ("2026-27", "not yet decided", "£0"),
        ("2027-28", "cash-releasing", "£300"), ("2027-28", "capacity", "-£20"), ("2027-28", "not yet decided", "£200"),
    ]  # fmt: skip
    heights = {(year, route): float(height) for year, route, _, _, _, height, _ in found}
    assert heights[("2027-28", "cash-releasing")] == pytest.approx(3 * heights[("2026-27", "cash-releasing")], 0.01)
    assert heights[("2026-27", "capacity")] == pytest.approx(2.5 * heights[("2027-28", "capacity")], 0.01)
    axis = float(re.search(r'y1="([\d.]+)" y2="[\d.]+" stroke="#1b1b1b" stroke-width="1.5"', svg).group(1))  # type: ignore[union-attr]
    negative = next(item for item in found if item[2] == "-£20")
    assert float(negative[4]) == pytest.approx(axis, abs=0.2)  # a dis-benefit hangs below the axis
    fills = {route: fill for _, route, _, _, _, _, fill in found}
    assert len(set(fills.values())) == 3 and fills["capacity"] == "url(#cash-capacity-hatch)"
    xs = [float(item[3]) for item in found]
    assert xs[0] < xs[1] < xs[2] < xs[3]  # side by side, years in order
    assert "&lt;Cash&gt;" in svg and "<Cash>" not in svg
    assert describe_cash_capacity(["2026-27", "2027-28"], [100.0, 300.0], [50.0, -20.0], [0.0, 200.0]) == (
        "From 2026-27 to 2027-28: £400 cash-releasing, £30 capacity and £200 not yet decided."
    )
    assert str(cash_capacity_svg([], cash=[], capacity=[], undecided=[], title="T", description="D")).startswith("<p>")
