from django import template
from django.utils.html import format_html

from papers.templatetags.paper_text import render_abstract

from ..quotes import merge_ranges

register = template.Library()


@register.simple_tag
def abstract_with_quotes(abstract: str, quotes) -> str:
    """The abstract with each quoted passage marked and linked to the comments quoting it."""
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
    return render_abstract(abstract, marked)
