"""Server-drawn charts: every special-cause point drawn with its own shape, and user text escaped."""

from datetime import date

from benefits.models.measure import ChartPointRead, ChartRead
from benefits.xmr import Direction
from web.charts import xmr_svg


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
