"""Reading loosely typed column values (authors, categories, ids) into clean Python values."""

import json

from ..arxiv_ids import ArxivId, InvalidArxivId, find_arxiv_id, parse_arxiv_id


def read_arxiv_id(value: str) -> ArxivId:
    """Parse a bare id (``2201.11903v2``, ``arXiv:hep-th/9711200``) or one inside an arXiv URL or DOI."""
    try:
        return parse_arxiv_id(value)
    except InvalidArxivId:
        embedded = find_arxiv_id(value)
        if embedded is None:
            raise
        return parse_arxiv_id(embedded)


class UnreadableValue(ValueError):
    """A column holds something that is neither text nor a list of text (a number, an object)."""


def read_authors(value) -> list[str]:
    """Authors from a list, a JSON list, or a string separated by ``;`` or `` and ``."""
    if value is None:
        return []
    _require_text_or_list(value, "authors")
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                value = text
        else:
            value = text.split(";") if ";" in text else text.split(" and ")
    if isinstance(value, str):
        value = [value]
    _require_text_or_list(value, "authors")
    return [" ".join(name.split()) for name in value if name.strip()]


def read_categories(value) -> list[str]:
    """Categories from a list or a space/comma-separated string; the first is the primary one."""
    if value is None:
        return []
    _require_text_or_list(value, "categories")
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [category.strip() for category in value if category.strip()]


def read_text(value) -> str:
    """A scalar column as text (None and missing become ``""``; numbers are written out)."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        raise UnreadableValue(f"expected text, found {type(value).__name__}")
    return value if isinstance(value, str) else str(value)


def _require_text_or_list(value, column: str) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UnreadableValue(f"{column} must be text or a list of text")
