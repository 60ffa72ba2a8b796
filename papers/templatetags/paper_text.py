"""Rendering untrusted paper text: everything is escaped first, then only our own markup is added."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from papers.search import HIGHLIGHT_START, HIGHLIGHT_STOP

register = template.Library()

# PDF extractions glue footnote markers to URLs (111https://...), so URLs are found anywhere in a word.
URL = re.compile(r"https?://[^\s<>\"'\x02\x03]+")
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


def _highlight_marks(html: str) -> str:
    return html.replace(escape(HIGHLIGHT_START), "<mark>").replace(escape(HIGHLIGHT_STOP), "</mark>")


@register.filter(is_safe=True)
def abstract_html(text: str) -> str:
    """Paper text as HTML: escaped, URLs clickable, blank-line paragraphs kept, single newlines as <br>."""
    paragraphs = [part for part in PARAGRAPH_BREAK.split(text or "") if part.strip()]
    rendered = []
    for paragraph in paragraphs:
        html = _linkify(paragraph).replace("\n", "<br>\n")
        rendered.append(f"<p>{_highlight_marks(html)}</p>")
    return mark_safe("\n".join(rendered))  # noqa: S308 - every piece above was escaped


@register.filter(is_safe=True)
def highlighted(text: str) -> str:
    """A search excerpt: escaped, with the search's highlight marks turned into <mark>."""
    html = escape(text or "")
    html = html.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> added
