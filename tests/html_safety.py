"""Finding markup that could run script in a rendered page, by parsing it as a browser would."""

from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "img", "style", "base", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


class _Inspector(HTMLParser):
    def __init__(self, allowed_tags):
        super().__init__()
        self.allowed_tags = allowed_tags
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS and tag not in self.allowed_tags:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")


def script_risks(html: str, allowed_tags=()) -> list[str]:
    """Elements and attributes in ``html`` that could run script; empty when the markup is inert."""
    inspector = _Inspector(set(allowed_tags))
    inspector.feed(html)
    return inspector.problems
