"""Recognising a file's format from its first meaningful line."""

import csv
import re

from ..arxiv_ids import looks_like_arxiv_id
from .csv_table import sniff_delimiter
from .rows import has_text_column
from .text import iter_lines

BIBTEX_START = re.compile(r"\s*@\s*[A-Za-z]+\s*[{(]")
# EndNote numbers its RIS references ("1." alone, or "12. TY  - JOUR"); some writers put one space before the dash.
RIS_START = re.compile(r"(?:\d+\.\s*)?TY {1,2}- ")
NUMBER_ONLY = re.compile(r"\d+\.$")
MEDLINE_START = re.compile(r"PMID- ?\d")
FORMATS = ("arxiv-dump", "jsonl", "csv", "bibtex", "ris", "medline")


def detect_format(text: str) -> str | None:
    """The format name for ``text`` (one of FORMATS), or None when nothing fits."""
    first = None
    for _number, line in iter_lines(text):
        stripped = line.strip()
        # BibTeX files often open with % comments or a JabRef @comment line; EndNote's RIS with a number.
        if stripped and not stripped.startswith("%") and not NUMBER_ONLY.match(stripped):
            first = line
            break
    if first is None:
        return None
    stripped = first.strip()
    if BIBTEX_START.match(first):
        return "bibtex"
    if RIS_START.match(stripped):
        return "ris"
    if MEDLINE_START.match(stripped):
        return "medline"
    if stripped.startswith("{"):
        return "jsonl"
    if stripped == "arxiv_id" or looks_like_arxiv_id(stripped):
        return "arxiv-dump"
    try:
        header = next(csv.reader([stripped], delimiter=sniff_delimiter(stripped)), [])
    except csv.Error:  # a first line longer than csv.field_size_limit is no CSV header
        return None
    columns = [cell.strip().lower() for cell in header]
    if "arxiv_id" in columns or has_text_column(columns):
        return "csv"
    return None
