"""Reading loosely typed column values (authors, categories, ids) into clean Python values."""

import re

from ..arxiv_ids import ArxivId, InvalidArxivId, find_arxiv_id, parse_arxiv_id
from .json_text import BrokenJson, json_kind, load_json


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
                value = load_json(text)
            except BrokenJson as error:
                raise UnreadableValue(f"authors start like a JSON list but are not valid JSON: {error}") from None
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


def read_text(value, column: str) -> str:
    """A scalar column as text (None and missing become ``""``; numbers are written out)."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        raise UnreadableValue(f"{column} must be text, found {json_kind(value)}")
    return value if isinstance(value, str) else str(value)


def read_id_text(value, column: str) -> str:
    """An identifier column as text; unlike read_text it refuses numbers.

    A JSON number has lost what makes it an id: 2201.11910 reads as 2201.1191, 0704.0001 is not JSON at all.
    """
    if value is None or isinstance(value, str):
        return value or ""
    kind = json_kind(value)
    # A number is quoted back, so the reader sees what became of the id.
    shown = f" {value!r}" if kind == "number" else ""
    raise UnreadableValue(f"{column} must be text in quotes, found {kind}{shown}")


YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def read_year(value) -> int | None:
    """The first four-digit year in a value (``2021``, ``"1948/07//"``, ``"2020 Mar"``), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, list, dict)):
        raise UnreadableValue(f"year must be a number or text, found {json_kind(value)}")
    match = YEAR.search(str(value))
    return int(match[1]) if match and 1 <= int(match[1]) <= 9999 else None


def _require_text_or_list(value, column: str) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UnreadableValue(f"{column} must be text or a list of text")
