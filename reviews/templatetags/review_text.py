from django import template
from django.utils.html import format_html
from django.utils.text import Truncator

from papers.templatetags.paper_text import render_abstract, render_inline, search_marks

from ..keywords import ReviewKeywords
from ..quotes import merge_ranges

register = template.Library()


def keyword_marks(text: str, keywords: ReviewKeywords | None) -> list[tuple[int, int, str, str]]:
    """The review's keywords found in ``text``, as marks of two colours (class kw-include / kw-exclude)."""
    if not keywords:
        return []
    return [
        (start, end, f'<mark class="kw kw-{kind}" title="{kind} keyword">', "</mark>")
        for start, end, kind in keywords.find(text or "")
    ]


@register.simple_tag
def abstract_with_quotes(abstract: str, quotes, keywords: ReviewKeywords | None = None) -> str:
    """The abstract with each quoted passage marked and linked to the comments quoting it, and keywords marked."""
    marked = []
    for start, end, comment_ids in merge_ranges(list(quotes)):
        first = comment_ids[0]
        links = "".join(
            format_html('<a class="quote-ref" href="#comment-{}" aria-label="Comment {}">{}</a>', cid, cid, "†")
            for cid in comment_ids
        )
        anchors = "".join(format_html('<span id="quote-{}"></span>', cid) for cid in comment_ids[1:])
        opening = format_html('<mark class="quote" id="quote-{}">', first) + anchors
        marked.append((start, end, opening, f"</mark>{links}"))
    return render_abstract(abstract, marked, keyword_marks(abstract, keywords))


@register.simple_tag
def keyword_abstract(abstract: str, keywords: ReviewKeywords | None) -> str:
    """The whole abstract (paragraphs, links) with the review's keywords marked."""
    return render_abstract(abstract, (), keyword_marks(abstract, keywords))


@register.simple_tag
def keyword_text(text: str, keywords: ReviewKeywords | None, words: int = 0) -> str:
    """A title or a lead (the first ``words`` words), without links, with the review's keywords marked."""
    text = Truncator(text or "").words(words) if words else text or ""
    return render_inline(text, (), keyword_marks(text, keywords), links=False)


@register.simple_tag
def keyword_excerpt(headline: str, keywords: ReviewKeywords | None) -> str:
    """A search excerpt: search terms in <mark>, the review's keywords marked inside and beside them."""
    text, search = search_marks(headline)
    return render_inline(text, search, keyword_marks(text, keywords), links=False)
