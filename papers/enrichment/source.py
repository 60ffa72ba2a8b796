"""What every metadata source provides, and the text clean-up their answers share."""

import html
import re
from collections.abc import Sequence

from django.db.models import Q

from ..importers.records import PaperRecord
from ..models import Paper
from .client import PoliteClient

# An answer for one paper: the record the source holds, or why its entry could not be read.
Lookup = dict[int, PaperRecord | str]

TAG = re.compile(r"<[^>]{0,500}>")
# Inline markup sits inside words ("<i>in vivo</i>,"): dropped without a space, where block tags leave one.
INLINE_TAG = re.compile(r"</?(?:jats:)?(?:i|b|u|em|strong|sup|sub|sc|italic|bold|mml:[a-z]+)(?:\s[^>]{0,500})?>")
# JATS abstracts often open with a heading that only says "Abstract".
JATS_TITLE = re.compile(r"<(?:jats:)?title[^>]{0,200}>.{0,200}?</(?:jats:)?title>", re.DOTALL)
# arXiv's Atom feeds and Crossref write years such as 2024; anything far outside is a data error.
PLAUSIBLE_YEARS = range(1000, 2200)


class Source:
    """A public API that can fill a paper's missing fields.

    Subclasses say which papers they can look up (``can_look_up``), which fields they may fill (``fills``),
    how many papers one request covers (``batch_size``), how long to wait between requests (``interval``,
    seconds), and how to ask (``look_up``).
    """

    name = ""
    interval = 1.0
    batch_size = 1
    fills: tuple[str, ...] = ()

    def can_look_up(self) -> Q:
        raise NotImplementedError

    def look_up(self, client: PoliteClient, papers: Sequence[Paper]) -> Lookup:
        """Ask the source about ``papers``; a paper absent from the answer was not found.

        Raises FetchError when the request got no usable answer.
        """
        raise NotImplementedError

    def missing(self) -> Q:
        """Papers lacking at least one field this source fills."""
        condition = Q()
        for name in self.fills:
            if name in ("year", "month"):
                condition |= Q(**{f"{name}__isnull": True})
            elif name == "authors":
                condition |= Q(authors=[])
            else:
                condition |= Q(**{name: ""})
        return condition


def one_line(text) -> str:
    """``text`` with its whitespace runs (line breaks included) made single spaces; ``""`` for a non-string."""
    return " ".join(text.split()) if isinstance(text, str) else ""


def plain_text(markup) -> str:
    """Text from a JATS or HTML fragment (Crossref's abstracts and titles): tags dropped, entities decoded."""
    if not isinstance(markup, str):
        return ""
    text = TAG.sub(" ", INLINE_TAG.sub("", JATS_TITLE.sub(" ", markup)))
    return " ".join(html.unescape(text).split())


def plausible_year(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value in PLAUSIBLE_YEARS else None


def plausible_month(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12 else None


def strings(value) -> list[str]:
    """The non-empty strings of a JSON list (or one string), single-spaced; anything else gives ``[]``."""
    items = value if isinstance(value, list) else [value]
    return [line for item in items if (line := one_line(item))]
