"""Charts drawn on the server as SVG: no script, no inline style, so the CSP stays strict."""

from collections.abc import Callable, Sequence
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
