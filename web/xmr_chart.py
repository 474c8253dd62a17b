"""The XmR chart drawn as SVG: the values (X) above their moving ranges (mR), each phase's limits labelled with
their values, each change marked, and the target when the measure has one.

Special-cause points are drawn larger and as squares (improvement), triangles (concern) or circles (neither), and a
moving range above its limit as a diamond, so colour is never the only signal; the description carries the chart
in words.
"""

from collections.abc import Callable
from datetime import date

from markupsafe import Markup, escape

from benefits import formatting
from benefits.measures import SHARE, figure
from benefits.models.measure import ChartRead, PhaseRead

WIDTH = 760
LEFT, RIGHT = 76, 116  # room on the right for the latest phase's labels, clear of the points
X_TOP, X_HEIGHT = 34, 240  # room above the values for the panel's title
MR_TOP, MR_HEIGHT = X_TOP + X_HEIGHT + 44, 130  # room between the panels for the mR panel's title
HEIGHT = MR_TOP + MR_HEIGHT + 34  # room below for the dates
PLOT_W = WIDTH - LEFT - RIGHT
INK, LIMIT, VALUES, TARGET, CHANGE, GRID = "#1b1b1b", "#a4000f", "#1f4e79", "#00703c", "#505a5f", "#b1b4b6"
# A white outline behind a label keeps it readable where it crosses a line.
HALO = 'paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round"'


def _tick(value: float, unit: str = "") -> str:
    """An axis label as people write figures: 49,790 or 0.301 (the unit is in the panel's title); a share as a
    percentage, 30.1%."""
    return formatting.percent(value, 1) if unit == SHARE else formatting.significant(value)


def _scale(low: float, high: float, top: float, height: float) -> Callable[[float], float]:
    """The y of a value on a panel whose axis runs from `low` (bottom) to `high` (top)."""
    span = (high - low) or 1.0
    return lambda value: top + height - (value - low) / span * height


def _label(x: float, y: float, text: str, anchor: str = "end", *, colour: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="11" fill="{colour}" {HALO}>'
            f"{escape(text)}</text>")  # fmt: skip


def _margin_label(x: float, y: float, words: str, value: str, colour: str) -> str:
    """A label in the right-hand margin, on two lines centred on its line: what it is, then its value."""
    return (f'<text x="{x:.1f}" y="{y - 2:.1f}" font-size="11" fill="{colour}">{escape(words)} '
            f'<tspan x="{x:.1f}" dy="12">{escape(value)}</tspan></text>')  # fmt: skip


def _hline(x1: float, x2: float, y: float, colour: str, dash: str = "", width: int = 1) -> str:
    return (f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" '
            f'stroke-width="{width}" stroke-dasharray="{dash}"/>')  # fmt: skip


def _changes(chart: ChartRead) -> list[tuple[int, date]]:
    """Each change drawn: the index of the first point of a new phase, and the re-phase date that started it."""
    found: dict[int, date] = {}
    for when in sorted(chart.rephase):
        index = next((i for i, point in enumerate(chart.points) if point.date >= when), None)
        if index and chart.points[index].phase != chart.points[index - 1].phase:
            found[index] = when  # of several dates before the same point, the latest started the phase
    return sorted(found.items())


def _phase_spans(chart: ChartRead) -> list[tuple[int, int, PhaseRead | None]]:
    """Each phase's first and last point index, with its limits when the chart carries them."""
    spans: dict[int, list[int]] = {}
    for index, point in enumerate(chart.points):
        spans.setdefault(point.phase, []).append(index)
    return [(members[0], members[-1], chart.phases[phase] if phase < len(chart.phases) else None)
            for phase, members in spans.items()]  # fmt: skip


def describe_ranges(chart: ChartRead, *, unit: str = "") -> str:
    """The moving-range panel in words: each phase's mean moving range and upper range limit."""
    if not chart.phases:
        return ""
    said = [f"{figure(phase.mean_moving_range, unit)} (limit {figure(phase.upper_range_limit, unit)})"
            for phase in chart.phases]  # fmt: skip
    if len(said) == 1:
        return f"The mean moving range is {said[0]}."
    return f"The mean moving ranges, phase by phase, are {'; '.join(said)}."


def xmr_svg(chart: ChartRead, *, title: str, unit: str = "") -> Markup:
    """The XmR chart: the values with each phase's centre line and natural process limits, the moving ranges
    below with their mean and upper range limit, changes marked, and the target when there is one."""
    points = chart.points
    if not points:
        return Markup("<p>No observations yet.</p>")
    step = PLOT_W / max(len(points) - 1, 1)

    def x(index: float) -> float:
        return LEFT + index * step

    spans = _phase_spans(chart)
    shown = [p.value for p in points] + [p.upl for p in points] + [p.lpl for p in points]
    if chart.target is not None:
        shown.append(chart.target)
    low, high = min(shown), max(shown)
    margin = (high - low) * 0.08 or 1.0
    y = _scale(low - margin, high + margin, X_TOP, X_HEIGHT)
    ranges = [p.moving_range for p in points if p.moving_range is not None]
    range_top = max([*ranges, *(phase.upper_range_limit for *_, phase in spans if phase)], default=0.0) * 1.12 or 1.0
    r = _scale(0.0, range_top, MR_TOP, MR_HEIGHT)
    described = " ".join(part for part in (chart.summary, describe_ranges(chart, unit=unit), chart.assurance_text)
                         if part)  # fmt: skip
    unit_said = f" ({unit})" if unit and unit != SHARE else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart xmr">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(described)}</desc>',
        f'<rect x="{LEFT}" y="{X_TOP}" width="{PLOT_W}" height="{X_HEIGHT}" fill="none" stroke="{GRID}"/>',
        f'<path d="M{LEFT},{MR_TOP}h{PLOT_W}v{MR_HEIGHT}h-{PLOT_W}z" fill="none" stroke="{GRID}"/>',
        _label(LEFT, X_TOP - 10, f"Values (X){unit_said}", anchor="start"),
        _label(LEFT, MR_TOP - 10, f"Moving ranges (mR), each the change from the point before{unit_said}", "start"),
    ]
    for tick in (low, (low + high) / 2, high):
        parts.append(_label(LEFT - 6, y(tick) + 4, _tick(tick, unit)))
    for tick in (0.0, range_top / 1.12):
        parts.append(_label(LEFT - 6, r(tick) + 4, _tick(tick, unit)))
    # Each phase's lines and labels: the latest phase's in the margin beside its lines, an earlier phase's inside
    # the plot at the phase's right-hand end, above (or, for the lower limit, below) its line.
    for first, last, phase in spans:
        if phase is None:
            continue
        start, end = x(first) - (step / 2 if first else 0), x(last) + (step / 2 if last < len(points) - 1 else 0)
        parts += [
            _hline(start, end, y(phase.mean), INK),
            _hline(start, end, y(phase.upl), LIMIT, "6 4"),
            _hline(start, end, y(phase.lpl), LIMIT, "6 4"),
            _hline(start, end, r(phase.mean_moving_range), INK),
            _hline(start, end, r(phase.upper_range_limit), LIMIT, "6 4"),
        ]
        latest = last == len(points) - 1
        for height, below, words, value, colour in (
            (y(phase.upl), False, "Upper limit", phase.upl, LIMIT),
            (y(phase.mean), False, "Centre", phase.mean, INK),
            (y(phase.lpl), True, "Lower limit", phase.lpl, LIMIT),
            (r(phase.upper_range_limit), False, "Upper range limit", phase.upper_range_limit, LIMIT),
            (r(phase.mean_moving_range), False, "Mean moving range", phase.mean_moving_range, INK),
        ):
            if latest:
                parts.append(_margin_label(LEFT + PLOT_W + 5, height, words, figure(value, unit), colour))
            else:
                parts.append(_label(end - 3, height + (13 if below else -4), f"{words} {figure(value, unit)}",
                                    colour=colour))  # fmt: skip
    if chart.target is not None:
        parts += [
            _hline(LEFT, LEFT + PLOT_W, y(chart.target), TARGET, "2 3", width=2),
            _label(LEFT + 4, y(chart.target) - 4, f"Target {figure(chart.target, unit)}", anchor="start",
                   colour=TARGET),
        ]  # fmt: skip
    for index, when in _changes(chart):
        at = (x(index - 1) + x(index)) / 2
        parts.append(f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{X_TOP}" y2="{MR_TOP + MR_HEIGHT}" stroke="{CHANGE}" '
                     f'stroke-width="2" stroke-dasharray="1 3"/>')  # fmt: skip
        right = at > LEFT + PLOT_W * 0.7
        parts.append(_label(at - 4 if right else at + 4, X_TOP + 14, f"Change from {when.isoformat()}",
                            anchor="end" if right else "start", colour=CHANGE))  # fmt: skip
    parts += _values(chart, x, y, unit)
    parts += _moving_ranges(chart, spans, x, r, unit)
    for index, anchor in ((0, "start"), (len(points) // 2, "middle"), (len(points) - 1, "end")):
        parts.append(f'<text x="{x(index):.1f}" y="{HEIGHT - 14}" text-anchor="{anchor}" font-size="11">'
                     f"{points[index].date.isoformat()}</text>")  # fmt: skip
    parts.append("</svg>")
    # Every piece of text in the SVG went through escape() above; the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704


def _values(chart: ChartRead, x: Callable[[float], float], y: Callable[[float], float], unit: str) -> list[str]:
    """The values joined phase by phase, each point with its own shape and a tooltip saying what it signals."""
    parts = []
    for phase in sorted({point.phase for point in chart.points}):
        path = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(chart.points) if p.phase == phase)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{VALUES}" stroke-width="2"/>')
    for index, point in enumerate(chart.points):
        cx, cy = x(index), y(point.value)
        label = escape(f"{point.date.isoformat()}: {figure(point.value, unit)}, {point.point_type.replace('_', ' ')}")
        if point.point_type.endswith("improvement"):
            shape = f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="#005ea5"/>'
        elif point.point_type.endswith("concern"):
            corners = f"{cx:.1f},{cy - 6:.1f} {cx - 6:.1f},{cy + 5:.1f} {cx + 6:.1f},{cy + 5:.1f}"
            shape = f'<polygon points="{corners}" fill="#d4351c"/>'
        elif point.signal is not None:
            shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="#6f72af"/>'
        else:
            shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{VALUES}"/>'
        parts.append(f"<g><title>{label}</title>{shape}</g>")
    return parts


def _moving_ranges(
    chart: ChartRead,
    spans: list[tuple[int, int, PhaseRead | None]],
    x: Callable[[float], float],
    r: Callable[[float], float],
    unit: str,
) -> list[str]:
    """The moving ranges, phase by phase (a phase's first point has none), a range above its limit as a diamond."""
    parts = []
    for first, last, phase in spans:
        held = [(i, chart.points[i].moving_range) for i in range(first, last + 1)]
        ranges = [(i, value) for i, value in held if value is not None]
        if len(ranges) > 1:
            path = " ".join(f"{x(i):.1f},{r(value):.1f}" for i, value in ranges)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{VALUES}" stroke-width="1.5"/>')
        for index, value in ranges:
            cx, cy = x(index), r(value)
            above = phase is not None and value > phase.upper_range_limit
            said = "above the upper range limit" if above else "within the range limit"
            label = escape(f"{chart.points[index].date.isoformat()}: moving range {figure(value, unit)}, {said}")
            if above:
                corners = f"{cx:.1f},{cy - 6:.1f} {cx + 6:.1f},{cy:.1f} {cx:.1f},{cy + 6:.1f} {cx - 6:.1f},{cy:.1f}"
                shape = f'<path d="M{corners.replace(" ", "L")}Z" fill="#6f72af"/>'
            else:
                shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.5" fill="{VALUES}"/>'
            parts.append(f"<g><title>{label}</title>{shape}</g>")
    return parts
