"""Charts drawn on the server as SVG: no script, no inline style, so the CSP stays strict."""

import math
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from itertools import count

from markupsafe import Markup, escape

from app.templating import money

Number = int | float | Decimal

ROW_HEIGHT = 28
BAR_HEIGHT = 18
LABEL_WIDTH = 170
BAR_WIDTH = 300
VALUE_WIDTH = 110
_ids = count(1)


def count_text(value: Number) -> str:
    """Format a count or plain number with thousands separators."""
    return f"{value:,}" if isinstance(value, int) else f"{Decimal(value):,.0f}"


def bar_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    currency: str | None = None,
    value_text: Callable[[Number], str] | None = None,
) -> Markup:
    """Return an SVG of horizontal bars, one per (label, value), longest for the largest value.

    The picture is for the eye; put the same numbers in a table next to it for everyone else
    (the SVG names itself with `title` and says so). Amounts are shown as money when
    `currency` is given; `value_text` overrides how values are written.
    """
    if value_text is None:
        value_text = (lambda value: money(value, currency)) if currency else count_text
    largest = max((max(Decimal(value), Decimal(0)) for _, value in items), default=Decimal(0))
    chart_id = f"chart-{next(_ids)}"
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = max(len(items), 1) * ROW_HEIGHT + 4
    parts = [
        f'<svg class="bar-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title">',
        f'<title id="{chart_id}-title">{escape(title)} (the table below has the numbers)</title>',
    ]
    if not items:
        parts.append(f'<text class="chart-label" x="0" y="{ROW_HEIGHT - 10}">Nothing yet.</text>')
    for row, (label, value) in enumerate(items):
        top = row * ROW_HEIGHT + 2
        middle = top + BAR_HEIGHT / 2
        share = max(Decimal(value), Decimal(0)) / largest if largest else Decimal(0)
        bar = round(float(share) * BAR_WIDTH, 1)
        parts.append(
            f'<g class="chart-row">'
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="central">{escape(_shorten(label))}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{top}" width="{bar}" '
            f'height="{BAR_HEIGHT}" rx="2"></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + bar + 6}" y="{middle}" '
            f'dominant-baseline="central">{escape(value_text(value))}</text>'
            f"</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _shorten(label: str, limit: int = 26) -> str:
    # The label column has a fixed width; the table below carries the full text.
    return label if len(label) <= limit else label[: limit - 1] + "…"


DAY_CHART_WIDTH = 560
DAY_CHART_HEIGHT = 250
# The plot sits inside these margins: counts on the left, dates and the legend below,
# marker labels above.
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 16, 36, 60
MARKER_ROW = 13  # marker labels take turns on two rows, so neighbours do not overlap
# Gridlines: at most this many steps of 1, 2 or 5 times a power of ten.
MAX_TICKS = 4


def day_chart(
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    markers: Sequence[tuple[date, str]] = (),
) -> Markup:
    """Return an SVG of figures per day drawn as steps, one line per (name, values).

    Values follow `days` from the first and may stop early (a figure not known yet, such as
    after today). The first series is the solid line, the others dashed. Each marker draws a
    labelled vertical line at the end of its day (a deadline, today) when the day is on the
    chart. Like `bar_chart`, the SVG names itself with `title` and says a table nearby has the
    numbers; its description gives each series' last value and day.
    """
    chart_id = f"chart-{next(_ids)}"
    parts = [
        f'<svg class="day-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {DAY_CHART_WIDTH} {DAY_CHART_HEIGHT}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)} (the table below has the numbers)</title>',
    ]
    latest = [
        f"{name}: {count_text(values[-1])} on {_day_text(days[len(values) - 1])}"
        for name, values in series
        if values and len(values) <= len(days)
    ]
    parts.append(f'<desc id="{chart_id}-desc">{escape("; ".join(latest))}</desc>')
    if not days:
        parts.append('<text class="chart-label" x="0" y="18">Nothing yet.</text></svg>')
        return Markup("".join(parts))

    plot_width = DAY_CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_bottom = DAY_CHART_HEIGHT - PLOT_BOTTOM
    band = plot_width / len(days)
    ticks = _ticks(max((float(v) for _, values in series for v in values), default=0.0))

    def x(index: float) -> float:
        return round(PLOT_LEFT + index * band, 1)

    def y(value: Number) -> float:
        return round(plot_bottom - float(value) / ticks[-1] * (plot_bottom - PLOT_TOP), 1)

    for tick in ticks:
        parts.append(
            f'<line class="chart-grid" x1="{PLOT_LEFT}" y1="{y(tick)}" '
            f'x2="{DAY_CHART_WIDTH - PLOT_RIGHT}" y2="{y(tick)}" stroke="currentColor" '
            f'stroke-opacity="0.15"></line>'
            f'<text class="chart-label" x="{PLOT_LEFT - 6}" y="{y(tick)}" text-anchor="end" '
            f'dominant-baseline="central">{count_text(tick)}</text>'
        )
    first_label = _day_text(days[0])
    parts.append(
        f'<text class="chart-label" x="{PLOT_LEFT}" y="{plot_bottom + 16}">{first_label}</text>'
    )
    if len(days) > 1:
        parts.append(
            f'<text class="chart-label" x="{DAY_CHART_WIDTH - PLOT_RIGHT}" y="{plot_bottom + 16}" '
            f'text-anchor="end">{_day_text(days[-1])}</text>'
        )
    position = {day: index for index, day in enumerate(days)}
    for row, (day, label) in enumerate(markers):
        if day not in position:
            continue
        top = PLOT_TOP - 8 - MARKER_ROW * (row % 2)
        middle = x(position[day] + 1)  # the end of the day: figures are counted by then
        anchor = "end" if middle > DAY_CHART_WIDTH * 0.7 else "start"
        shift = -4 if anchor == "end" else 4
        parts.append(
            f'<g class="chart-marker"><line x1="{middle}" y1="{top + 4}" x2="{middle}" '
            f'y2="{plot_bottom}" stroke="currentColor" stroke-dasharray="2 3"></line>'
            f'<text class="chart-label" x="{middle + shift}" y="{top}" '
            f'text-anchor="{anchor}">{escape(label)} {_day_text(day)}</text></g>'
        )
    for number, (_, values) in enumerate(series):
        if not values:
            continue
        steps = [f"M {x(0)} {y(values[0])} H {x(1)}"]
        steps += [f"V {y(value)} H {x(index + 1)}" for index, value in enumerate(values) if index]
        parts.append(
            f'<path class="chart-line chart-line-{number}" d="{" ".join(steps)}" fill="none" '
            f'stroke="currentColor" {_line_look(number)}></path>'
        )
    legend_y = DAY_CHART_HEIGHT - 14
    left = PLOT_LEFT
    for number, (name, _) in enumerate(series):
        parts.append(
            f'<g class="chart-legend"><line class="chart-line chart-line-{number}" x1="{left}" '
            f'y1="{legend_y}" x2="{left + 24}" y2="{legend_y}" stroke="currentColor" '
            f'{_line_look(number)}></line><text class="chart-label" x="{left + 30}" '
            f'y="{legend_y}" dominant-baseline="central">{escape(name)}</text></g>'
        )
        left += 30 + 7 * len(name) + 24
    parts.append("</svg>")
    return Markup("".join(parts))


def _line_look(number: int) -> str:
    # Told apart by more than colour: the first line is solid and heavier, the others dashed.
    return 'stroke-width="2.5"' if number == 0 else 'stroke-width="1.5" stroke-dasharray="6 4"'


def _ticks(largest: float) -> list[int]:
    """Return the gridline values: 0 up to a round number at or above `largest`."""
    for magnitude in count():
        for base in (1, 2, 5):
            step = base * 10**magnitude
            if largest <= step * MAX_TICKS:
                top = max(math.ceil(largest / step), 1) * step
                return list(range(0, top + 1, step))
    raise AssertionError("unreachable")  # count() never ends


def _day_text(day: date) -> str:
    return f"{day.day} {day:%b}"
