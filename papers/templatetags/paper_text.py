"""Rendering untrusted paper text: everything is escaped first, then only our own markup is added."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from papers.search import HIGHLIGHT_START, HIGHLIGHT_STOP

register = template.Library()

# PDF extractions glue footnote markers to URLs (111https://...), so URLs are found anywhere in a word.
URL = re.compile(r"https?://[^\s<>\"'\x02-\x06]+")
TRAILING_PUNCTUATION = ".,;:!?)]}'\""
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def _linkify(text: str) -> str:
    pieces, position = [], 0
    for match in URL.finditer(text):
        url = match.group(0)
        stripped = url.rstrip(TRAILING_PUNCTUATION)
        # Keep a closing parenthesis that belongs to the URL, e.g. wiki links.
        while stripped.count("(") > stripped.count(")") and len(stripped) < len(url):
            stripped = url[: len(stripped) + 1]
        pieces.append(escape(text[position : match.start()]))
        pieces.append(format_html('<a href="{}" rel="nofollow noopener noreferrer">{}</a>', stripped, stripped))
        position = match.start() + len(stripped)
    pieces.append(escape(text[position:]))
    return "".join(pieces)


# Stand-ins for the start and end of a marked range while the text is escaped and linkified.
MARK_OPEN = "\x05"
MARK_CLOSE = "\x06"


def render_abstract(text: str, marked_ranges=()) -> str:
    """Paper text as HTML: escaped, URLs clickable, blank-line paragraphs kept, single newlines as <br>.

    ``marked_ranges`` are non-overlapping ``(start, end, open_html, close_html)`` in text order, e.g.
    quoted passages; a range crossing a paragraph break is marked in each paragraph it touches.
    """
    text = text or ""
    paragraphs, position = [], 0
    for match in PARAGRAPH_BREAK.finditer(text):
        paragraphs.append((position, match.start()))
        position = match.end()
    paragraphs.append((position, len(text)))
    rendered = []
    for start, end in paragraphs:
        chunk = text[start:end]
        if not chunk.strip():
            continue
        inside = [(max(s, start), min(e, end), o, c) for s, e, o, c in marked_ranges if s < end and e > start]
        for range_start, range_end, _, _ in reversed(inside):
            rs, re_ = range_start - start, range_end - start
            chunk = chunk[:rs] + MARK_OPEN + chunk[rs:re_] + MARK_CLOSE + chunk[re_:]
        html = _linkify(chunk).replace("\n", "<br>\n")
        for _, _, open_html, close_html in inside:
            html = html.replace(MARK_OPEN, open_html, 1).replace(MARK_CLOSE, close_html, 1)
        rendered.append(f"<p>{html}</p>")
    return mark_safe("\n".join(rendered))  # noqa: S308 - every piece of text was escaped by _linkify


@register.filter(is_safe=True)
def abstract_html(text: str) -> str:
    """Paper text as HTML (see render_abstract)."""
    return render_abstract(text)


@register.filter(is_safe=True)
def highlighted(text: str) -> str:
    """A search excerpt: escaped, with the search's highlight marks turned into <mark>."""
    html = escape(text or "")
    html = html.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> added
