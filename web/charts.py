"""Charts drawn on the server as SVG: readable in print, with a title and description for screen readers."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from benefits import formatting


def _tick(value: float) -> str:
    """An axis label as people write figures: 49,790 or 0.301."""
    return formatting.significant(value)


# The appraisal and profile charts share one frame: a taller canvas, with room under the plot for the years,
# the axis title and a key drawn in the SVG itself, so a printed page keeps its legend.
FRAME_W, FRAME_H = 760, 360
FRAME_LEFT, FRAME_RIGHT, FRAME_TOP, FRAME_BOTTOM = 84, 16, 16, 88
INK, FILL, PAPER = "#1b1b1b", "#1f4e79", "#ffffff"


def _pounds(value: float) -> str:
    """Pounds in full, as a table writes them: £1,234 or -£1,234."""
    return formatting.money(value, pence=False)


def _pounds_short(value: float) -> str:
    """An axis label in pounds, shortened: £1.5m, £250k, -£800k, £0."""
    return formatting.money_short(value)


def _figure(value: float) -> str:
    """A figure with thousands separated and at most two decimal places, none when it is whole."""
    return formatting.quantity(value)


def _nice_step(span: float, intervals: int = 4) -> float:
    """A tick spacing of 1, 2, 2.5 or 5 times a power of ten, giving about `intervals` intervals."""
    raw = span / intervals
    power = 10 ** math.floor(math.log10(raw))
    return next(factor * power for factor in (1, 2, 2.5, 5, 10) if raw <= factor * power * (1 + 1e-9))


def value_axis(values: Sequence[float]) -> tuple[float, float, list[float]]:
    """The bottom and top of a value axis that always includes zero, and the ticks between them."""
    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:
        high = low + 1.0
    step = _nice_step(high - low)
    low, high = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    count = round((high - low) / step)
    return low, high, [round(low + index * step, 9) for index in range(count + 1)]


@dataclass(frozen=True)
class _Plot:
    """The plot area of a chart by period: where a value stands, and where each period's slot is centred."""

    periods: int
    low: float
    high: float

    @property
    def slot(self) -> float:
        """The width each period has."""
        return (FRAME_W - FRAME_LEFT - FRAME_RIGHT) / self.periods

    def y(self, value: float) -> float:
        """How far down the picture a value stands."""
        height = FRAME_H - FRAME_TOP - FRAME_BOTTOM
        return FRAME_TOP + height - (value - self.low) / (self.high - self.low) * height

    def centre(self, index: int) -> float:
        """The middle of a period's slot."""
        return FRAME_LEFT + self.slot * (index + 0.5)


def _frame(
    ident: str, title: str, description: str, ticks: list[float], y: Any, label: Any, axis: str, across: str
) -> list[str]:
    plot_w, plot_h = FRAME_W - FRAME_LEFT - FRAME_RIGHT, FRAME_H - FRAME_TOP - FRAME_BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {FRAME_W} {FRAME_H}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="chart" id="{ident}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<defs><pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{PAPER}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2"/></pattern></defs>',
        f'<rect x="{FRAME_LEFT}" y="{FRAME_TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#b1b4b6"/>',
    ]
    for tick in ticks:
        stroke = f'stroke="{INK}" stroke-width="1.5"' if tick == 0 else 'stroke="#dddddd"'
        parts.append(f'<line x1="{FRAME_LEFT - 4}" x2="{FRAME_LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f"{stroke}/>")  # fmt: skip
        parts.append(f'<text x="{FRAME_LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
                     f"{escape(label(tick))}</text>")  # fmt: skip
    middle = FRAME_TOP + plot_h / 2
    parts.append(f'<text x="14" y="{middle:.1f}" transform="rotate(-90 14 {middle:.1f})" text-anchor="middle" '
                 f'font-size="12">{escape(axis)}</text>')  # fmt: skip
    parts.append(f'<text x="{FRAME_LEFT + plot_w / 2:.1f}" y="{FRAME_H - 46}" text-anchor="middle" font-size="12">'
                 f"{escape(across)}</text>")  # fmt: skip
    return parts


def _key(entries: list[tuple[str, str]]) -> list[str]:
    """The key under the plot: each entry's swatch (fixed markup) and its escaped words, in one row."""
    parts, x = [], float(FRAME_LEFT)
    for swatch, words in entries:
        parts.append(f'<g transform="translate({x:.1f} {FRAME_H - 22})">{swatch}'
                     f'<text x="26" y="5" font-size="12">{escape(words)}</text></g>')  # fmt: skip
        x += 40 + 6.5 * len(words)
    return parts


def _bar(x: float, width: float, top: float, bottom: float, fill: str, label: str) -> str:
    return (f'<g><title>{escape(label)}</title><rect x="{x:.1f}" y="{min(top, bottom):.1f}" width="{width:.1f}" '
            f'height="{abs(bottom - top):.1f}" fill="{fill}" stroke="{INK}"/></g>')  # fmt: skip


def _line(points: list[tuple[float, float] | None], *, dash: str = "") -> list[str]:
    """A line through the points, broken where a value is missing."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [
        f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in run)}" fill="none" stroke="{INK}" '
        f'stroke-width="2" stroke-dasharray="{dash}"/>'
        for run in runs
        if len(run) > 1
    ]


def _square(x: float, y: float, label: str) -> str:
    return (f'<g><title>{escape(label)}</title><rect x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" '
            f'fill="{PAPER}" stroke="{INK}" stroke-width="2"/></g>')  # fmt: skip


def _circle(x: float, y: float, label: str) -> str:
    return f'<g><title>{escape(label)}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{INK}"/></g>'


def _year_labels(periods: Sequence[str], centre: Any) -> list[str]:
    every = max(1, math.ceil(len(periods) / 12))  # at most a dozen labels, so they never overlap
    return [
        f'<text x="{centre(index):.1f}" y="{FRAME_H - FRAME_BOTTOM + 16}" text-anchor="middle" font-size="11">'
        f"{escape(period)}</text>"
        for index, period in enumerate(periods)
        if index % every == 0
    ]


def cash_flow_svg(
    years: Sequence[str],
    *,
    benefits: Sequence[float],
    costs: Sequence[float],
    cumulative: Sequence[float],
    title: str,
    description: str,
    ident: str = "cash-flow",
) -> Markup:
    """Each year's benefits, costs and cumulative discounted net, told apart in black and white."""
    # Benefits are solid bars, costs hatched bars below the axis (money going out), the cumulative net a line with
    # square markers: print in black and white keeps every series apart.
    if not years:
        return Markup("<p>No years to show yet.</p>")
    low, high, ticks = value_axis([*benefits, *(-cost for cost in costs), *cumulative])
    plot = _Plot(len(years), low, high)
    y, centre = plot.y, plot.centre
    bar_w = min(plot.slot * 0.32, 48.0)
    parts = _frame(ident, title, description, ticks, y, _pounds_short, "Pounds (£)", "Financial year")
    hatch = f"url(#{ident}-hatch)"
    for index, year in enumerate(years):
        parts.append(_bar(centre(index) - bar_w - 1, bar_w, y(benefits[index]), y(0), FILL,
                          f"{year}: benefits {_pounds(benefits[index])}"))  # fmt: skip
        parts.append(_bar(centre(index) + 1, bar_w, y(-costs[index]), y(0), hatch,
                          f"{year}: costs {_pounds(costs[index])}"))  # fmt: skip
    points: list[tuple[float, float] | None] = [(centre(i), y(value)) for i, value in enumerate(cumulative)]
    parts.extend(_line(points))
    for index, value in enumerate(cumulative):
        parts.append(_square(centre(index), y(value), f"{years[index]}: cumulative discounted net {_pounds(value)}"))
    parts.extend(_year_labels(years, centre))
    parts.extend(_key([
        (f'<rect x="0" y="-6" width="18" height="12" fill="{FILL}" stroke="{INK}"/>', "Benefits"),
        (f'<rect x="0" y="-6" width="18" height="12" fill="{hatch}" stroke="{INK}"/>', "Costs, with optimism bias"),
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{INK}" stroke-width="2"/>'
         f'<rect x="4.5" y="-4.5" width="9" height="9" fill="{PAPER}" stroke="{INK}" stroke-width="2"/>',
         "Cumulative discounted net"),
    ]))  # fmt: skip
    parts.append("</svg>")
    # Every piece of text in the SVG went through escape(); the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704


def describe_cash_flow(
    years: Sequence[str], *, benefits: Sequence[float], costs: Sequence[float], cumulative: Sequence[float]
) -> str:
    """The cash-flow chart in words: the totals, the low point, and the year the discounted net turns positive."""
    if not years:
        return "There are no years to appraise yet."
    lowest = min(range(len(years)), key=lambda index: cumulative[index])
    turned = next((years[i] for i, value in enumerate(cumulative) if value >= 0 and (i == 0 or cumulative[i - 1] < 0)
                   and all(later >= 0 for later in cumulative[i:])), None)  # fmt: skip
    words = [
        f"From {years[0]} to {years[-1]}, benefits of {_pounds(sum(benefits))} against costs of "
        f"{_pounds(sum(costs))}, before discounting.",
        f"The cumulative discounted net is lowest in {years[lowest]}, at {_pounds(cumulative[lowest])},",
    ]
    if turned is None:
        words.append(f"never stays positive, and ends at {_pounds(cumulative[-1])}.")
    else:
        words.append(f"turns positive in {turned} and ends at {_pounds(cumulative[-1])}.")
    return " ".join(words)


def profile_svg(
    periods: Sequence[str],
    *,
    baseline: Sequence[float | None],
    planned: Sequence[float | None],
    actual: Sequence[float | None],
    title: str,
    description: str,
    unit: str = "",
    money: bool = False,
    ident: str = "profile-chart",
) -> Markup:
    """A benefit's profile: actuals, the plan (re-forecast) and the approved baseline, by period."""
    # Actuals are hatched bars, the plan a solid line with dots, the approved baseline a dashed line with squares;
    # a missing value leaves a gap rather than a zero.
    if not periods:
        return Markup("<p>No profile yet.</p>")
    known = [value for series in (baseline, planned, actual) for value in series if value is not None]
    low, high, ticks = value_axis(known or [0.0])
    plot = _Plot(len(periods), low, high)
    y, centre = plot.y, plot.centre
    bar_w = min(plot.slot * 0.5, 56.0)

    def shown(value: float) -> str:
        return _pounds(value) if money else f"{_figure(value)}{' ' + unit if unit else ''}"

    axis = "Pounds (£)" if money else (unit or "Value")
    parts = _frame(ident, title, description, ticks, y, _pounds_short if money else _tick, axis, "Period")
    hatch = f"url(#{ident}-hatch)"
    for index, value in enumerate(actual):
        if value is not None:
            parts.append(_bar(centre(index) - bar_w / 2, bar_w, y(value), y(0), hatch,
                              f"{periods[index]}: actual {shown(value)}"))  # fmt: skip
    for series, dash, marker, name in (
        (baseline, "7 4", _square, "approved baseline"),
        (planned, "", _circle, "planned"),
    ):
        parts.extend(_line([None if v is None else (centre(i), y(v)) for i, v in enumerate(series)], dash=dash))
        for index, value in enumerate(series):
            if value is not None:
                parts.append(marker(centre(index), y(value), f"{periods[index]}: {name} {shown(value)}"))
    parts.extend(_year_labels(periods, centre))
    parts.extend(_key([
        (f'<rect x="0" y="-6" width="18" height="12" fill="{hatch}" stroke="{INK}"/>', "Actual"),
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{INK}" stroke-width="2"/>'
         f'<circle cx="9" cy="0" r="4.5" fill="{INK}"/>', "Planned (re-forecast)"),
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{INK}" stroke-width="2" stroke-dasharray="7 4"/>'
         f'<rect x="4.5" y="-4.5" width="9" height="9" fill="{PAPER}" stroke="{INK}" stroke-width="2"/>',
         "Approved baseline"),
    ]))  # fmt: skip
    parts.append("</svg>")
    # Every piece of text in the SVG went through escape(); the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704


def describe_profile(
    periods: Sequence[str],
    *,
    baseline: Sequence[float | None],
    planned: Sequence[float | None],
    actual: Sequence[float | None],
    unit: str = "",
    money: bool = False,
) -> str:
    """The profile chart in words: totals of baseline and plan, and actuals against the plan for the same periods."""
    if not periods:
        return "No profile has been recorded yet."

    def shown(value: float) -> str:
        return _pounds(value) if money else f"{_figure(value)}{' ' + unit if unit else ''}"

    def total(series: Sequence[float | None]) -> float:
        return sum(value for value in series if value is not None)

    words = [f"From {periods[0]} to {periods[-1]}: planned {shown(total(planned))} in all"]
    if any(value is not None for value in baseline):
        words.append(f" against an approved baseline of {shown(total(baseline))}.")
    else:
        words.append("; no baseline has been approved yet.")
    recorded = [index for index, value in enumerate(actual) if value is not None]
    if recorded:
        against = sum(planned[index] or 0.0 for index in recorded)
        words.append(f" Actuals recorded for {len(recorded)} of {len(periods)} periods total "
                     f"{shown(total(actual))}, against {shown(against)} planned for those periods.")  # fmt: skip
    else:
        words.append(" No actuals recorded yet.")
    return "".join(words)


def cash_capacity_svg(
    years: Sequence[str],
    *,
    cash: Sequence[float],
    capacity: Sequence[float],
    undecided: Sequence[float],
    title: str,
    description: str,
    ident: str = "cash-capacity",
) -> Markup:
    """Each year's financial benefits as three bars side by side: cash-releasing, capacity and not yet decided."""
    # Solid, hatched and open bars, so the split finance cares about reads in black and white too.
    if not years:
        return Markup("<p>No years to show yet.</p>")
    low, high, ticks = value_axis([*cash, *capacity, *undecided])
    plot = _Plot(len(years), low, high)
    y, centre = plot.y, plot.centre
    bar_w = min(plot.slot * 0.26, 40.0)
    parts = _frame(ident, title, description, ticks, y, _pounds_short, "Pounds (£)", "Financial year")
    series = [("Cash-releasing", cash, FILL), ("Capacity", capacity, f"url(#{ident}-hatch)"),
              ("Not yet decided", undecided, PAPER)]  # fmt: skip
    for index, year in enumerate(years):
        for place, (name, values, fill) in enumerate(series):
            left = centre(index) + (place - 1.5) * (bar_w + 2)
            parts.append(_bar(left, bar_w, y(values[index]), y(0), fill, f"{year}: {name.lower()} "
                                                                          f"{_pounds(values[index])}"))  # fmt: skip
    parts.extend(_year_labels(years, centre))
    parts.extend(_key([(f'<rect x="0" y="-6" width="18" height="12" fill="{fill}" stroke="{INK}"/>', name)
                       for name, _, fill in series]))  # fmt: skip
    parts.append("</svg>")
    # Every piece of text in the SVG went through escape(); the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704


def describe_cash_capacity(years: Sequence[str], cash: Sequence[float], capacity: Sequence[float],
                           undecided: Sequence[float]) -> str:  # fmt: skip
    """The chart in one sentence: the span, and how much of it is cash, capacity and not yet decided."""
    if not years:
        return "There are no financial benefits in these years."
    span = years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"
    return (f"From {span}: {_pounds(sum(cash))} cash-releasing, {_pounds(sum(capacity))} capacity and "
            f"{_pounds(sum(undecided))} not yet decided.")  # fmt: skip


def _at(low: float, high: float, start: float, length: float) -> Any:
    """Where a value stands along an axis running from `start` for `length`, `low` to `high`."""
    span = (high - low) or 1.0
    return lambda value: start + (value - low) / span * length


def histogram_svg(
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    percentiles: Sequence[tuple[str, float]],
    shown: Any,
    title: str,
    description: str,
    across: str,
    ident: str = "histogram",
) -> Markup:
    """Monte Carlo samples of one output as a histogram, with its percentiles (P10, P50, P90) marked as lines."""
    # Bars are solid; P50 is a solid line and P10 and P90 dashed ones, each named at its top, so the marks read in
    # black and white and are spoken as well (each bar and line has a title).
    if not counts:
        return Markup("<p>No samples to show.</p>")
    _, top, ticks = value_axis([float(count) for count in counts])
    plot = _Plot(len(counts), 0.0, top)
    x = _at(edges[0], edges[-1], FRAME_LEFT, FRAME_W - FRAME_LEFT - FRAME_RIGHT)
    parts = _frame(ident, title, description, ticks, plot.y, _tick, "Samples", across)
    for index, count in enumerate(counts):
        left, right = x(edges[index]), x(edges[index + 1])
        parts.append(_bar(left, max(right - left, 0.5), plot.y(count), plot.y(0), FILL,
                          f"{shown(edges[index])} to {shown(edges[index + 1])}: {count:,} samples"))  # fmt: skip
    for name, value in percentiles:
        dash = "" if name == "P50" else "6 4"
        spot = x(value)
        parts.append(f'<g><title>{escape(f"{name}: {shown(value)}")}</title>'
                     f'<line x1="{spot:.1f}" x2="{spot:.1f}" y1="{FRAME_TOP + 14}" y2="{plot.y(0):.1f}" stroke="{INK}" '
                     f'stroke-width="2.5" stroke-dasharray="{dash}"/>'
                     f'<text x="{spot:.1f}" y="{FRAME_TOP + 10}" text-anchor="middle" font-size="11">'
                     f"{escape(name)}</text></g>")  # fmt: skip
    for index, anchor in ((0, "start"), (len(edges) // 2, "middle"), (len(edges) - 1, "end")):
        parts.append(f'<text x="{x(edges[index]):.1f}" y="{FRAME_H - FRAME_BOTTOM + 16}" text-anchor="{anchor}" '
                     f'font-size="11">{escape(shown(edges[index]))}</text>')  # fmt: skip
    parts.extend(_key([
        (f'<rect x="0" y="-6" width="18" height="12" fill="{FILL}" stroke="{INK}"/>', "Samples in the range"),
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{INK}" stroke-width="2.5"/>', "P50 (median)"),
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{INK}" stroke-width="2.5" stroke-dasharray="6 4"/>',
         "P10 and P90"),
    ]))  # fmt: skip
    parts.append("</svg>")
    # Every piece of text in the SVG went through escape(); the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704


def describe_histogram(name: str, samples: int, percentiles: Sequence[tuple[str, float]], shown: Any) -> str:
    """The histogram in words: how many samples, their range of outcomes and where the percentiles fall."""
    marks = ", ".join(f"{label} {shown(value)}" for label, value in percentiles)
    return f"{samples:,} Monte Carlo samples of {name}: {marks}. The table below gives the count in each range."


TORNADO_ROW, TORNADO_GAP = 30, 8


def tornado_svg(
    bars: Sequence[Any], *, centre: float, shown: Any, title: str, description: str, across: str,
    ident: str = "tornado",
) -> Markup:  # fmt: skip
    """A tornado: for each assumption (widest first), the output at its low and at its high about the central value.

    `bars` carry `assumption`, `output_at_low` and `output_at_high`; the part of a bar where the assumption is at
    its low is hatched and the part at its high solid, and each end is labelled with the output there.
    """
    if not bars:
        return Markup("<p>No assumption has a range, so nothing moves this output.</p>")
    left = min(max(len(bar.assumption) for bar in bars) * 7 + 20, 300)
    width, room = FRAME_W + 100, 116  # room beside the bars for the output at each end
    height = FRAME_TOP + 24 + len(bars) * TORNADO_ROW + 70
    ends = [value for bar in bars for value in (bar.output_at_low, bar.output_at_high)] + [centre]
    low, high = min(ends), max(ends)
    margin = (high - low) * 0.02 or abs(centre) * 0.05 or 1.0
    x = _at(low - margin, high + margin, left + room, width - left - 2 * room)
    bottom = FRAME_TOP + 24 + len(bars) * TORNADO_ROW
    hatch = f"url(#{ident}-hatch)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="chart" id="{ident}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<defs><pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{PAPER}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2"/></pattern></defs>',
        f'<line x1="{x(centre):.1f}" x2="{x(centre):.1f}" y1="{FRAME_TOP + 16}" y2="{bottom:.1f}" stroke="{INK}" '
        f'stroke-width="1.5"/>',
        f'<text x="{x(centre):.1f}" y="{FRAME_TOP + 8}" text-anchor="middle" font-size="11">'
        f"{escape('At most likely: ' + shown(centre))}</text>",
    ]
    for index, bar in enumerate(bars):
        top = FRAME_TOP + 24 + index * TORNADO_ROW + TORNADO_GAP / 2
        tall = TORNADO_ROW - TORNADO_GAP
        words = f"{bar.assumption}: {shown(bar.output_at_low)} at its low, {shown(bar.output_at_high)} at its high"
        parts.append(f"<g><title>{escape(words)}</title>")
        for value, fill in ((bar.output_at_low, hatch), (bar.output_at_high, FILL)):
            start, end = sorted((x(centre), x(value)))
            parts.append(f'<rect x="{start:.1f}" y="{top:.1f}" width="{max(end - start, 1):.1f}" height="{tall}" '
                         f'fill="{fill}" stroke="{INK}"/>')  # fmt: skip
        parts.append("</g>")
        middle = top + tall / 2 + 4
        parts.append(f'<text x="{left - 8}" y="{middle:.1f}" text-anchor="end" font-size="12">'
                     f"{escape(bar.assumption)}</text>")  # fmt: skip
        for value in dict.fromkeys((bar.output_at_low, bar.output_at_high)):  # one label where both ends meet
            after = value >= centre
            spot = x(value) + (6 if after else -6)
            parts.append(f'<text x="{spot:.1f}" y="{middle:.1f}" text-anchor="{"start" if after else "end"}" '
                         f'font-size="11">{escape(shown(value))}</text>')  # fmt: skip
    parts.append(f'<text x="{(left + width) / 2:.1f}" y="{bottom + 24:.1f}" text-anchor="middle" '
                 f'font-size="12">{escape(across)}</text>')  # fmt: skip
    for offset, (swatch, words) in enumerate((
        (f'<rect x="0" y="-6" width="18" height="12" fill="{hatch}" stroke="{INK}"/>', "Assumption at its low"),
        (f'<rect x="0" y="-6" width="18" height="12" fill="{FILL}" stroke="{INK}"/>', "Assumption at its high"),
    )):  # fmt: skip
        parts.append(f'<g transform="translate({left + offset * 220} {bottom + 50:.1f})">{swatch}'
                     f'<text x="26" y="5" font-size="12">{escape(words)}</text></g>')  # fmt: skip
    parts.append("</svg>")
    # Every piece of text in the SVG went through escape(); the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704


def describe_tornado(output: str, bars: Sequence[Any], shown: Any) -> str:
    """The tornado in words: which assumption moves the output most, and by how much."""
    if not bars:
        return f"No assumption has a range, so nothing moves {output}."
    first = bars[0]
    return (f"{len(bars)} assumptions ranked by how far each moves {output} from its low to its high. The widest is "
            f"{first.assumption}: {shown(first.output_at_low)} at its low and {shown(first.output_at_high)} at its "
            "high. The table below lists every bar.")  # fmt: skip
