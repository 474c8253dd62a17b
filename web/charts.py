"""Charts drawn on the server as SVG: readable in print, with a title and description for screen readers."""

from markupsafe import Markup, escape

from benefits.models.measure import ChartRead

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 76, 16, 16, 40


def _tick(value: float) -> str:
    """An axis label as people write figures: 49,790 or 0.301."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def xmr_svg(chart: ChartRead, *, title: str, unit: str = "") -> Markup:
    """The XmR chart: values joined by a line, each phase's centre line and limits, special causes marked.

    Special-cause points are drawn larger and as squares (improvement) or triangles (concern), so colour is never
    the only signal; the description carries the chart's summary in words.
    """
    points = chart.points
    if not points:
        return Markup("<p>No observations yet.</p>")
    values = [p.value for p in points] + [p.upl for p in points] + [p.lpl for p in points]
    low, high = min(values), max(values)
    margin = (high - low) * 0.05 or 1.0
    low, high = low - margin, high + margin
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step

    def y(value: float) -> float:
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(chart.summary)}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#b1b4b6"/>',
    ]
    for tick in (low + margin, (low + high) / 2, high - margin):
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
                     f"{escape(_tick(tick))}</text>")  # fmt: skip
    phases: dict[int, list[int]] = {}
    for index, point in enumerate(points):
        phases.setdefault(point.phase, []).append(index)
    for members in phases.values():
        first, last = members[0], members[-1]
        point = points[first]
        for value, colour, dash in (
            (point.mean, "#1b1b1b", ""),
            (point.upl, "#a4000f", "6 4"),
            (point.lpl, "#a4000f", "6 4"),
        ):
            parts.append(f'<line x1="{x(first):.1f}" x2="{x(last):.1f}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                         f'stroke="{colour}" stroke-dasharray="{dash}"/>')  # fmt: skip
    path = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    parts.append(f'<polyline points="{path}" fill="none" stroke="#1f4e79" stroke-width="2"/>')
    for index, point in enumerate(points):
        cx, cy = x(index), y(point.value)
        label = escape(f"{point.date.isoformat()}: {point.value:,.4g}{' ' + unit if unit else ''}, "
                       f"{point.point_type.replace('_', ' ')}")  # fmt: skip
        if point.point_type.endswith("improvement"):
            shape = f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="#005ea5"/>'
        elif point.point_type.endswith("concern"):
            corners = f"{cx:.1f},{cy - 6:.1f} {cx - 6:.1f},{cy + 5:.1f} {cx + 6:.1f},{cy + 5:.1f}"
            shape = f'<polygon points="{corners}" fill="#d4351c"/>'
        elif point.signal is not None:
            shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="#6f72af"/>'
        else:
            shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="#1f4e79"/>'
        parts.append(f"<g><title>{label}</title>{shape}</g>")
    for index, anchor in ((0, "start"), (len(points) // 2, "middle"), (len(points) - 1, "end")):
        parts.append(f'<text x="{x(index):.1f}" y="{HEIGHT - 16}" text-anchor="{anchor}" font-size="11">'
                     f"{points[index].date.isoformat()}</text>")  # fmt: skip
    parts.append("</svg>")
    # Every piece of text in the SVG went through escape() above; the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704
