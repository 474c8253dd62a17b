"""The XmR chart's SVG: both panels' lines labelled with values that agree with a computation made here, phase by
phase, from the observations themselves; each change and the target marked."""

import re
from datetime import date
from decimal import Decimal
from statistics import fmean

from sqlmodel import Session

from benefits import measures
from benefits.models.measure import MeasureCreate, ObservationIn
from benefits.xmr import Direction
from tests.support.factories import TESTER, make_initiative
from web.xmr_chart import xmr_svg

CALLS = [412.0, 398, 430, 405, 421, 390, 415, 402, 360, 352, 371, 348, 365, 340]
CHANGE = date(2025, 9, 1)  # the ninth month: the redesign starts a new phase
TARGET = 300.0


def _month(n: int) -> date:
    return date(2025 + n // 12, n % 12 + 1, 1)


def _labelled(svg: str, words: str) -> list[float]:
    """The figures the chart writes after `words`, in drawing order (phase by phase)."""
    texts = [re.sub(r"<[^>]+>", "", inner) for inner in re.findall(r"<text[^>]*>(.*?)</text>", svg)]
    return [float(m.group(1).replace(",", "")) for t in texts if (m := re.fullmatch(rf"{words} (-?[\d,.]+) calls", t))]


def _places(value: float) -> int:
    # How many places the chart shows: none from a thousand, one from ten, else two (benefits.measures.figure).
    return 0 if abs(value) >= 1000 else 1 if abs(value) >= 10 else 2


def _agrees(shown: list[float], expected: list[float]) -> bool:
    return len(shown) == len(expected) and all(
        abs(a - b) <= 0.5 * 10 ** -_places(b) + 1e-9 for a, b in zip(shown, expected, strict=True)
    )


def test_both_panels_are_labelled_with_values_computed_from_the_observations(session: Session) -> None:
    initiative = make_initiative(session)
    measure = measures.create_measure(session=session, actor=TESTER, fields=MeasureCreate(
        initiative_id=initiative.id or 0, name="Calls a week", unit="calls", direction=Direction.decrease,
        target=Decimal(TARGET), rephase=[CHANGE]))  # fmt: skip
    rows = [ObservationIn(date=_month(n), value=Decimal(str(value))) for n, value in enumerate(CALLS)]
    measures.record_observations(session=session, measure_id=measure.id or 0, rows=rows, actor=TESTER)
    chart = measures.chart(session=session, measure_id=measure.id or 0)
    svg = str(xmr_svg(chart, title="Calls", unit="calls"))

    phases = [CALLS[:8], CALLS[8:]]  # split here by hand at the change date
    ranges = [[abs(phase[i] - phase[i - 1]) for i in range(1, len(phase))] for phase in phases]
    mean_ranges = [sum(each) / len(each) for each in ranges]
    centres = [fmean(phase) for phase in phases]
    assert _agrees(_labelled(svg, "Mean moving range"), mean_ranges)
    assert _agrees(_labelled(svg, "Upper range limit"), [3.268 * each for each in mean_ranges])
    assert _agrees(_labelled(svg, "Centre"), centres)
    assert _agrees(_labelled(svg, "Upper limit"), [c + 2.66 * r for c, r in zip(centres, mean_ranges, strict=True)])
    assert _agrees(_labelled(svg, "Lower limit"), [c - 2.66 * r for c, r in zip(centres, mean_ranges, strict=True)])
    assert _labelled(svg, "Target") == [TARGET]
    assert svg.count(f">Change from {CHANGE.isoformat()}<") == 1
    # The latest phase's labels stand in the margin, to the right of every point.
    points_x = [float(found) for found in re.findall(r'<circle cx="([\d.]+)"', svg)]
    centres_x = [float(found) for found in re.findall(r'<text x="([\d.]+)"[^>]*>Centre ', svg)]
    assert centres_x[-1] > max(points_x) > centres_x[0]
    # One moving range a point after each phase's first, each with its tooltip.
    assert svg.count(": moving range ") == len(CALLS) - len(phases)


def test_a_moving_range_above_its_limit_is_a_diamond_not_only_a_colour(session: Session) -> None:
    initiative = make_initiative(session)
    measure = measures.create_measure(session=session, actor=TESTER, fields=MeasureCreate(
        initiative_id=initiative.id or 0, name="Calls", unit="calls"))  # fmt: skip
    values = [100.0, 101, 100, 101, 100, 101, 100, 101, 100, 130, 100, 101]
    rows = [ObservationIn(date=_month(n), value=Decimal(str(value))) for n, value in enumerate(values)]
    measures.record_observations(session=session, measure_id=measure.id or 0, rows=rows, actor=TESTER)
    svg = str(xmr_svg(measures.chart(session=session, measure_id=measure.id or 0), title="Calls", unit="calls"))
    # Moving ranges: nine of 1 and two of 29 (59 / 11 on average); 3.268 x that is 17.5, so the two 29s are above.
    assert svg.count("above the upper range limit") == 2
    assert svg.count('fill="#6f72af"/></g>') >= 2 and svg.count('<path d="M') == 1 + 2  # the mR frame, 2 diamonds
    assert "The target" not in svg and ">Target " not in svg  # no target set, none drawn
