"""Reading loosely typed column values (authors, categories, ids) into clean Python values."""

import re

from ..arxiv_ids import ArxivId, InvalidArxivId, find_arxiv_id, parse_arxiv_id
from ..identity import normalize_doi
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


# "Vaswani A., Shazeer N.M., van der Berg J.-P." (Scopus, Embase) or "Vaswani A, Shazeer NM" (PubMed's CSV):
# family names, then initials, the names separated by commas.
INITIALS_LIST = re.compile(r"^[^,]+? (?:[A-Z]\.?-?){1,4}(?:, [^,]+? (?:[A-Z]\.?-?){1,4})+\.?$")


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
        elif ";" in text:
            value = text.split(";")
        elif INITIALS_LIST.match(text):
            # Scopus and Embase write "Vaswani A., Shazeer N." with commas between names.
            value = text.split(", ")
        else:
            value = text.split(" and ")
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


MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, 1)}
MONTH_WORD = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])", re.IGNORECASE)
# "1948/07//", "2020/03/15/", "2020-03-15", "2020/03": the number after the year is the month.
NUMERIC_DATE = re.compile(r"(?<!\d)(\d{4})[/\-.](\d{1,2})(?!\d)")


def read_month(value) -> int | None:
    """A month from ``3``, ``"03"``, ``"mar"``, ``"March"``, ``"Mar 15"``, or None when there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, list, dict)):
        raise UnreadableValue(f"month must be a number or text, found {json_kind(value)}")
    text = str(value).strip()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    match = MONTH_WORD.search(text)
    return MONTHS[match[1].lower()] if match else None


def read_date(value) -> tuple[int | None, int | None]:
    """Year and month from a date as bibliographic sources write it.

    ``"1948/07//"`` and ``"2020/03/15/"`` (RIS), ``"2020 Mar 15"`` (MEDLINE DP), ``"2020-03-15"``, ``"MAR 2020"``.
    """
    if value is None or isinstance(value, (bool, list, dict)):
        return None, None
    text = str(value)
    if match := NUMERIC_DATE.search(text):
        month = int(match[2])
        return int(match[1]), month if 1 <= month <= 12 else None
    try:
        year = read_year(text)
    except UnreadableValue:
        year = None
    match = MONTH_WORD.search(text)
    return year, MONTHS[match[1].lower()] if match else None


def read_keywords(value) -> list[str]:
    """Keywords from a list or a string separated by ``;`` (or by ``,`` when there is no ``;``), in order, once each."""
    if value is None:
        return []
    if isinstance(value, str):
        separator = ";" if ";" in value else ","
        value = value.split(separator)
    elif not isinstance(value, list):
        value = [str(value)]
    keywords = []
    for item in value:
        keyword = " ".join(str(item).split())
        if keyword and keyword not in keywords:
            keywords.append(keyword)
    return keywords


def first_name_first(name: str) -> str:
    """``"Vaswani, Ashish"`` as ``"Ashish Vaswani"``, as BibTeX imports give it; other names as written."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 2 and all(parts):
        return " ".join(f"{parts[1]} {parts[0]}".split())
    return " ".join(name.split())


def clean_line(value) -> str:
    """Text on one line, runs of white space as single spaces."""
    return " ".join(str(value).split()) if value is not None else ""


def page_range(start: str, end: str) -> str:
    """``"357-381"`` from a first and last page, either of which may be missing."""
    start, end = clean_line(start), clean_line(end)
    return f"{start}-{end}" if start and end and start != end else start or end


def read_doi(value: str, extra: dict) -> str:
    """The DOI in its normal form; a value that is no DOI ("N/A", "-") goes to ``extra["doi_as_given"]``.

    Matching trusts a DOI: two records both saying "N/A" must not become one paper.
    """
    text = clean_line(value)
    if doi := normalize_doi(text):
        return doi
    if text:
        extra["doi_as_given"] = text
    return ""


def read_url(value) -> str:
    """A web address, with ``https://`` put before one written from ``www.`` as reference managers often do."""
    url = str(value or "").strip()
    return f"https://{url}" if url.lower().startswith("www.") else url
