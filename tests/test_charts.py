"""Server-drawn SVG bar charts: bars in proportion, labels escaped, no inline style."""

from decimal import Decimal
from xml.etree import ElementTree

from app.charts import BAR_WIDTH, bar_chart

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
