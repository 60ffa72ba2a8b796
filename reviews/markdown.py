"""Comments are Markdown; what reaches a page is sanitised HTML with no script, style or raw markup."""

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    """Markdown to safe HTML: raw HTML in the source stays text, then nh3 removes anything not allowed."""
    converter = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    # Markdown passes raw HTML through; without these two steps a <script> stays visible, escaped text.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    html = converter.convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
