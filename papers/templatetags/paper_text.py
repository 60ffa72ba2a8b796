"""Rendering untrusted paper text: everything is escaped first, then only our own markup is added."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from papers.search import HIGHLIGHT_START, HIGHLIGHT_STOP

register = template.Library()

# PDF extractions glue footnote markers to URLs (111https://...), so URLs are found anywhere in a word.
URL = re.compile(r"https?://[^\s<>\"'\x00-\x1f\x7f]+")
TRAILING_PUNCTUATION = ".,;:!?)]}'\""
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def _links(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of each URL in ``text``, without the punctuation that ends the sentence around it."""
    links = []
    for match in URL.finditer(text):
        url = match.group(0)
        stripped = url.rstrip(TRAILING_PUNCTUATION)
        # Keep a closing parenthesis that belongs to the URL, e.g. wiki links.
        while stripped.count("(") > stripped.count(")") and len(stripped) < len(url):
            stripped = url[: len(stripped) + 1]
        links.append((match.start(), match.start() + len(stripped), stripped))
    return links


def _escaped(text: str) -> str:
    return escape(text).replace("\n", "<br>\n")


def _split_at(ranges, boundaries) -> list[tuple[int, int, str, str]]:
    """``ranges`` cut at every boundary inside them, so each piece nests inside the marks those boundaries end."""
    pieces = []
    for start, end, open_html, close_html in ranges:
        inside = [b for b in boundaries if start < b < end]
        for piece_start, piece_end in zip([start, *inside], [*inside, end], strict=True):
            pieces.append((piece_start, piece_end, open_html, close_html))
    return pieces


def _paragraph_html(text: str, marks, inner=(), *, links: bool = True) -> str:
    """One paragraph: its text escaped and cut at every mark and link boundary, our markup between the pieces.

    The HTML is built from slices of the text itself, so nothing in the text can move or forge a mark.
    ``inner`` marks (keywords) nest inside ``marks`` (quotes, search terms): one crossing a mark's edge is
    marked in pieces. Marks never nest in links: a URL a mark starts or ends in is linked in pieces, each to
    the whole URL. ``links=False`` leaves URLs as text (for text that is already inside a link).
    """
    links_found = _links(text) if links else []
    inner = _split_at(inner, sorted({p for s, e, _, _ in marks for p in (s, e)}))
    cuts = sorted(
        {
            0,
            len(text),
            *(p for s, e, _, _ in [*marks, *inner] for p in (s, e)),
            *(p for s, e, _ in links_found for p in (s, e)),
        }
    )
    opening = {s: o for s, _, o, _ in marks}
    closing = {e: c for _, e, _, c in marks}
    inner_opening = {s: o for s, _, o, _ in inner}
    inner_closing = {e: c for _, e, _, c in inner}
    pieces, link_index = [], 0
    for position, following in zip(cuts, [*cuts[1:], None], strict=True):
        pieces.append(
            inner_closing.get(position, "")
            + closing.get(position, "")
            + opening.get(position, "")
            + inner_opening.get(position, "")
        )
        if following is None:
            break
        while link_index < len(links_found) and links_found[link_index][1] <= position:
            link_index += 1
        piece = _escaped(text[position:following])
        if link_index < len(links_found) and links_found[link_index][0] <= position:
            url = links_found[link_index][2]
            piece = format_html('<a href="{}" rel="nofollow noopener noreferrer">{}</a>', url, text[position:following])
        pieces.append(piece)
    return "".join(pieces)


def _well_formed(marked_ranges, length: int) -> list:
    """Non-overlapping ranges inside the text, in order; an empty or overlapping one is left out."""
    ranges, last_end = [], 0
    for start, end, open_html, close_html in marked_ranges:
        if last_end <= start < end <= length:
            ranges.append((start, end, open_html, close_html))
            last_end = end
    return ranges


def render_inline(text: str, marked_ranges=(), inner_ranges=(), *, links: bool = True) -> str:
    """Short paper text (a title, a lead, an excerpt) as HTML without paragraphs; marks as in render_abstract."""
    text = text or ""
    marks = _well_formed(marked_ranges, len(text))
    inner = _well_formed(inner_ranges, len(text))
    return mark_safe(_paragraph_html(text, marks, inner, links=links))  # noqa: S308 - every slice was escaped


def render_abstract(text: str, marked_ranges=(), inner_ranges=()) -> str:
    """Paper text as HTML: escaped, URLs clickable, blank-line paragraphs kept, single newlines as <br>.

    ``marked_ranges`` are non-overlapping ``(start, end, open_html, close_html)`` in text order, e.g. quoted
    passages (an empty one, or one overlapping the one before it, is left out); a range crossing a paragraph
    break is marked in each paragraph it touches. ``inner_ranges`` (non-overlapping too, e.g. keywords) are
    marked inside them, cut where they cross an outer mark's edge.
    """
    text = text or ""
    ranges = _well_formed(marked_ranges, len(text))
    inner_ranges = _well_formed(inner_ranges, len(text))
    paragraphs, position = [], 0
    for match in PARAGRAPH_BREAK.finditer(text):
        paragraphs.append((position, match.start()))
        position = match.end()
    paragraphs.append((position, len(text)))
    rendered = []
    for start, end in paragraphs:
        if not text[start:end].strip():
            continue
        inside = [(max(s, start) - start, min(e, end) - start, o, c) for s, e, o, c in ranges if s < end and e > start]
        inner = [
            (max(s, start) - start, min(e, end) - start, o, c) for s, e, o, c in inner_ranges if s < end and e > start
        ]
        rendered.append(f"<p>{_paragraph_html(text[start:end], inside, inner)}</p>")
    return mark_safe("\n".join(rendered))  # noqa: S308 - every slice of the text was escaped


@register.filter(is_safe=True)
def abstract_html(text: str) -> str:
    """Paper text as HTML (see render_abstract)."""
    return render_abstract(text)


def search_marks(text: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """A search excerpt's text without its highlight characters, and the <mark> ranges they stood for.

    Read as ``highlighted`` reads them: a stray mark character is dropped, every range opened is closed.
    """
    plain, ranges, opened = [], [], None
    length = 0
    for piece in re.split(f"([{HIGHLIGHT_START}{HIGHLIGHT_STOP}])", text or ""):
        if piece == HIGHLIGHT_START:
            opened = length if opened is None else opened
        elif piece == HIGHLIGHT_STOP:
            if opened is not None and opened < length:
                ranges.append((opened, length, "<mark>", "</mark>"))
            opened = None
        else:
            plain.append(piece)
            length += len(piece)
    if opened is not None and opened < length:
        ranges.append((opened, length, "<mark>", "</mark>"))
    return "".join(plain), ranges


@register.filter(is_safe=True)
def highlighted(text: str) -> str:
    """A search excerpt: escaped, with the search's highlight marks turned into <mark>.

    Search strips the marks' characters from abstracts before marking an excerpt (search.py); a stray
    one is dropped here all the same, and every <mark> opened is closed.
    """
    pieces, is_open = [], False
    for piece in re.split(f"([{HIGHLIGHT_START}{HIGHLIGHT_STOP}])", text or ""):
        if piece in (HIGHLIGHT_START, HIGHLIGHT_STOP):
            if (piece == HIGHLIGHT_START) != is_open:
                pieces.append("</mark>" if is_open else "<mark>")
                is_open = not is_open
        else:
            pieces.append(escape(piece))
    if is_open:
        pieces.append("</mark>")
    return mark_safe("".join(pieces))  # noqa: S308 - escaped above; only <mark> added


# A sentence ends at . ! or ? followed by white space and a capital, digit or opening bracket; "e.g. the" does not.
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9(\[])")
LEAD_MAX_CHARS = 200


@register.filter
def first_sentence(text: str) -> str:
    """The abstract's first sentence, at most about 200 characters: the lead shown for a paper without a title.

    Plain text (the template escapes it); white space, line breaks included, is collapsed.
    """
    text = " ".join(text.split())
    match = SENTENCE_END.search(text, 0, LEAD_MAX_CHARS + 1)
    if match:
        return text[: match.end()]
    if len(text) <= LEAD_MAX_CHARS:
        return text
    return text[:LEAD_MAX_CHARS].rsplit(" ", 1)[0] + "…"
