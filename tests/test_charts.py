"""Server-drawn SVG charts: bars in proportion, steps by day, labels escaped, no inline style."""

from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from app.charts import (
    BAR_WIDTH,
    DAY_CHART_HEIGHT,
    DAY_CHART_WIDTH,
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    bar_chart,
    day_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


def test_bars_are_in_proportion_to_the_largest_value():
    svg = parse(bar_chart([("Founding", 6), ("Sustaining", 3), ("Startup", 0)], title="Tiers"))

    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert widths == [BAR_WIDTH, BAR_WIDTH / 2, 0]
    labels = [text.text for text in svg.iter(f"{SVG}text")]
    assert labels == ["Founding", "6", "Sustaining", "3", "Startup", "0"]


def test_the_chart_names_itself_for_screen_readers():
    svg = parse(bar_chart([("A", 1)], title="Active members by tier"))

    title = svg.find(f"{SVG}title")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == title.get("id")
    assert title.text.startswith("Active members by tier")


def test_amounts_are_written_as_money():
    svg = parse(bar_chart([("Billed", Decimal("350000.00"))], title="Dues", currency="€"))

    assert [text.text for text in svg.iter(f"{SVG}text")] == ["Billed", "€350,000"]


def test_labels_are_escaped_and_long_ones_shortened():
    markup = str(bar_chart([("<b>Bold & Co</b>", 1), ("x" * 40, 2)], title="<Members>"))

    assert "<b>" not in markup and "&lt;b&gt;Bold &amp; Co&lt;/b&gt;" in markup
    assert "&lt;Members&gt;" in markup
    assert "x" * 25 + "…" in markup and "x" * 26 not in markup


def test_no_inline_style_and_an_empty_chart_says_so():
    markup = str(bar_chart([], title="Nothing"))

    assert "style=" not in markup
    assert "Nothing yet." in markup
    parse(markup)


# The day chart


def test_day_chart_draws_each_series_as_steps_up_to_its_last_day():
    days = [date(2026, 4, 1) + timedelta(days=n) for n in range(4)]
    svg = parse(day_chart(days, [("Submitted", [0, 1, 3]), ("Assigned", [2, 4, 4])], title="T"))

    lines = list(svg.iter(f"{SVG}path"))
    band = (DAY_CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT) / 4
    bottom, top = DAY_CHART_HEIGHT - PLOT_BOTTOM, PLOT_TOP

    def y(value):  # the gridlines run 0 to 4 here
        return round(bottom - value / 4 * (bottom - top), 1)

    def x(index):
        return round(PLOT_LEFT + index * band, 1)

    assert lines[0].get("d") == (f"M {x(0)} {y(0)} H {x(1)} V {y(1)} H {x(2)} V {y(3)} H {x(3)}")
    assert lines[1].get("d").startswith(f"M {x(0)} {y(2)} H {x(1)} V {y(4)}")
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")
    labels = [text.text for text in svg.iter(f"{SVG}text")]
    assert labels[:7] == ["0", "1", "2", "3", "4", "1 Apr", "4 Apr"]
    assert labels[-2:] == ["Submitted", "Assigned"]


def test_day_chart_marks_days_at_their_end_and_skips_days_off_the_chart():
    days = [date(2026, 4, 1) + timedelta(days=n) for n in range(10)]
    markers = [(date(2026, 4, 10), "Deadline"), (date(2026, 5, 1), "Later")]

    svg = parse(day_chart(days, [("Submitted", [1, 2])], title="T", markers=markers))

    groups = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-marker"]
    assert len(groups) == 1
    line, text = groups[0]
    assert float(line.get("x1")) == DAY_CHART_WIDTH - PLOT_RIGHT
    assert (text.text, text.get("text-anchor")) == ("Deadline 10 Apr", "end")


def test_day_chart_names_and_describes_itself():
    days = [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3)]

    svg = parse(day_chart(days, [("Submitted", [1, 5]), ("Assigned", [6, 6])], title="Reviews"))

    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")
    assert title.text.startswith("Reviews")
    assert desc.text == "Submitted: 5 on 2 Apr; Assigned: 6 on 2 Apr"


def test_day_chart_gridlines_stop_at_a_round_number():
    days = [date(2026, 4, 1)]

    def gridlines(largest):
        svg = parse(day_chart(days, [("N", [largest])], title="T"))
        return [text.text for text in svg.iter(f"{SVG}text")][:-2]  # less the day and legend

    assert gridlines(0) == ["0", "1"]
    assert gridlines(3) == ["0", "1", "2", "3"]
    assert gridlines(48) == ["0", "20", "40", "60"]
    assert gridlines(1234) == ["0", "500", "1,000", "1,500"]


def test_day_chart_escapes_and_uses_no_inline_style_and_an_empty_one_says_so():
    markup = str(
        day_chart(
            [date(2026, 4, 1)],
            [("<b>Mine</b>", [1])],
            title="<Reviews>",
            markers=[(date(2026, 4, 1), "<i>Due</i>")],
        )
    )
    empty = str(day_chart([], [("Submitted", [])], title="Nothing"))

    assert "<b>" not in markup and "&lt;b&gt;Mine&lt;/b&gt;" in markup
    assert "&lt;Reviews&gt;" in markup and "&lt;i&gt;Due&lt;/i&gt;" in markup
    assert "style=" not in markup + empty
    assert "Nothing yet." in empty
    parse(markup), parse(empty)
