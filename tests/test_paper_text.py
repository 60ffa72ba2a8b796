"""Paper text as HTML: control characters in an abstract can neither move a quote's mark nor forge a highlight."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from papers.search import substring_headline
from papers.templatetags.paper_text import highlighted, render_abstract
from tests.factories import logged_in, make_paper

MARK = ("<mark>", "</mark>")


def marked(text: str, passage: str) -> list[tuple[int, int, str, str]]:
    start = text.index(passage)
    return [(start, start + len(passage), *MARK)]


class Anchors(HTMLParser):
    """The links of a fragment: (href, text) each, and whether any <a> or <mark> opened inside an <a>."""

    def __init__(self, html):
        super().__init__()
        self.links, self.nested, self._open = [], False, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if self._open is not None and tag in ("a", "mark"):
            self.nested = True
        if tag == "a":
            self._open = [dict(attrs)["href"], ""]

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append(tuple(self._open))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data


@pytest.mark.parametrize("control", ["\x05", "\x06", "\x05\x06", "\x06\x05", "\x02", "\x03"])
def test_control_characters_before_a_quote_do_not_move_its_mark(control):
    text = f"Alpha {control}beta{control} gamma delta."

    html = render_abstract(text, marked(text, "gamma"))

    assert f"<p>Alpha {control}beta{control} <mark>gamma</mark> delta.</p>" == html


def test_control_characters_inside_a_quote_stay_inside_its_mark():
    text = "Alpha beta \x06gamma\x05 delta."

    html = render_abstract(text, marked(text, "beta \x06gamma\x05 delta"))

    assert html == "<p>Alpha <mark>beta \x06gamma\x05 delta</mark>.</p>"


def test_marks_keep_their_own_markup_and_the_text_stays_escaped():
    text = "Use <b>bold</b> & \x05friends\x06."
    ranges = [(text.index("bold"), text.index("bold") + 4, '<mark id="quote-7">', '</mark><a href="#c7">†</a>')]

    html = render_abstract(text, ranges)

    assert html == (
        '<p>Use &lt;b&gt;<mark id="quote-7">bold</mark><a href="#c7">†</a>&lt;/b&gt; &amp; \x05friends\x06.</p>'
    )


def test_a_url_crossing_a_quote_boundary_stays_one_working_link_in_pieces():
    url = "https://github.com/org/repo"
    text = f"Code at 111{url}. Released today."
    ranges = [(text.index("github"), text.index("Released"), '<mark class="quote">', '</mark><a href="#c1">†</a>')]

    html = render_abstract(text, ranges)
    anchors = Anchors(html)

    url_links = [(href, label) for href, label in anchors.links if href != "#c1"]
    assert {href for href, _ in url_links} == {url}
    assert "".join(label for _, label in url_links) == url
    assert not anchors.nested
    assert '<mark class="quote"><a href="https://github.com/org/repo"' in html


def test_a_quote_inside_a_url_splits_the_link_around_it():
    text = "See https://example.org/a/b/c for details."

    html = render_abstract(text, marked(text, "a/b"))

    assert Anchors(html).links == [
        ("https://example.org/a/b/c", "https://example.org/"),
        ("https://example.org/a/b/c", "a/b"),
        ("https://example.org/a/b/c", "/c"),
    ]
    assert "<mark><a " in html


def test_a_quote_across_a_paragraph_break_is_marked_in_each_paragraph():
    text = "First part ends here.\n\nSecond part starts."

    html = render_abstract(text, marked(text, "here.\n\nSecond"))

    assert html == "<p>First part ends <mark>here.</mark></p>\n<p><mark>Second</mark> part starts.</p>"


def test_overlapping_or_empty_ranges_are_left_out_rather_than_nested():
    text = "one two three four"

    html = render_abstract(text, [(0, 7, *MARK), (4, 13, *MARK), (14, 14, *MARK), (14, 18, *MARK)])

    assert html == "<p><mark>one two</mark> three <mark>four</mark></p>"


def test_paragraphs_lines_and_links_render_as_before():
    text = "First <b>para</b> with code at 111https://github.com/org/repo.\nNext line.\n\n\nSecond paragraph."

    assert render_abstract(text) == (
        "<p>First &lt;b&gt;para&lt;/b&gt; with code at 111"
        '<a href="https://github.com/org/repo" rel="nofollow noopener noreferrer">https://github.com/org/repo</a>.<br>\n'
        "Next line.</p>\n<p>Second paragraph.</p>"
    )


def test_the_highlight_filter_pairs_its_marks_and_drops_strays():
    assert highlighted("a \x02b\x03 c") == "a <mark>b</mark> c"
    assert highlighted("a\x03b\x02c\x02d") == "ab<mark>cd</mark>"
    assert highlighted("<i>\x02x\x03</i>") == "&lt;i&gt;<mark>x</mark>&lt;/i&gt;"


def test_a_substring_excerpt_drops_the_abstracts_own_highlight_marks():
    excerpt = substring_headline("A \x02forged\x03 highlight on retrieval.", ["retrieval"])

    assert excerpt == "A forged highlight on \x02retrieval\x03."


@pytest.mark.parametrize("view", ["papers:list", "reviews:paper_list"])
def test_highlight_marks_in_an_abstract_cannot_forge_a_highlight_in_search_results(client, team, view):
    paper = make_paper(
        "2301.00009",
        abstract="Attack \x02forged\x03 and \x03 stray \x02 marks on retrieval systems.",
        submitted_month=datetime.date(2023, 1, 1),
    )
    team.review.add_papers([paper.pk])
    logged_in(client, team.bob)
    url = reverse(view) if view == "papers:list" else reverse(view, args=[team.review.slug])

    html = client.get(url, {"q": "retrieval"}).text

    assert "<mark>retrieval</mark>" in html
    assert "<mark>forged</mark>" not in html
    assert html.count("<mark>") == html.count("</mark>") == 1
