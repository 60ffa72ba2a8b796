"""The SVG charts: labelled bars, patterns not colours, accessible names, and user text escaped."""

import xml.etree.ElementTree as ET

from reviews import charts

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output


def test_every_bar_carries_its_category_and_value_as_text():
    svg = parsed(charts.bar_chart("c", "Decisions", [charts.Bar("Include", 3), charts.Bar("Exclude", 12, "dotted")]))
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert texts == ["Include", "3", "Exclude", "12"]
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Decisions"
    assert svg.find(f"{SVG}desc").text == "Include: 3; Exclude: 12"
    fills = [rect.get("fill") for rect in svg.iter(f"{SVG}rect") if rect.get("fill", "").startswith("url(")]
    assert fills == ["url(#c-solid)", "url(#c-dotted)"], "series differ by pattern"


def test_hostile_long_and_right_to_left_labels_are_escaped_and_shortened():
    label = "<script>alert(\"x\")</script> & 'quotes' \u202eevil " + "שלום " * 20
    raw = str(charts.bar_chart("t", "Tags <b>", [charts.Bar(label, 1)]))
    assert "<script>" not in raw and "<b>" not in raw and "\u202e" not in raw
    svg = parsed(raw)
    drawn = next(svg.iter(f"{SVG}text"))
    tooltip = drawn.find(f"{SVG}title")  # first, as SVG wants; the drawn text follows it
    assert tooltip.tail.endswith("…") and len(tooltip.tail) == charts.LABEL_CHARACTERS
    assert tooltip.text.startswith("<script>alert(\"x\")</script> & 'quotes' evil שלום")
    assert drawn.get("unicode-bidi") == "isolate"


def test_an_empty_chart_says_so():
    svg = parsed(charts.bar_chart("e", "Scores", [], empty="No scores yet."))
    assert [text.text for text in svg.iter(f"{SVG}text")] == ["No scores yet."]


def test_the_prisma_diagram_has_boxes_arrows_and_every_count():
    flow = charts.PrismaFlow(
        identified=12, duplicates=2, screened=10, excluded=4, included=3, awaiting_screening=2,
        awaiting_resolution=1, reasons=[("Wrong population", 3), ("No reason given", 1)],
    )  # fmt: skip
    svg = parsed(charts.prisma_diagram("p", flow))
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    expected_texts = [
        "n = 12", "Duplicate records: n = 2", "n = 10", "n = 4", "Wrong population: n = 3", "No reason given: n = 1",
        "n = 3", "Awaiting screening: n = 2", "Awaiting resolution: n = 1",
    ]  # fmt: skip
    for expected in expected_texts:
        assert expected in texts
    assert len(list(svg.iter(f"{SVG}line"))) == 5
    assert "records excluded: 4; excluded, Wrong population: 3" in svg.find(f"{SVG}desc").text
