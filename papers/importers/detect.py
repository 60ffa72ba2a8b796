"""Recognising a file's format from its first meaningful line."""

import csv
import re

from ..arxiv_ids import looks_like_arxiv_id
from .text import iter_lines

BIBTEX_START = re.compile(r"\s*@\s*[A-Za-z]+\s*[{(]")
RIS_START = re.compile(r"TY  - ")
FORMATS = ("arxiv-dump", "jsonl", "csv", "bibtex", "ris")


def detect_format(text: str) -> str | None:
    """The format name for ``text`` (one of FORMATS), or None when nothing fits."""
    first = None
    for _number, line in iter_lines(text):
        stripped = line.strip()
        # BibTeX files often open with % comments or a JabRef @comment line.
        if stripped and not stripped.startswith("%"):
            first = line
            break
    if first is None:
        return None
    stripped = first.strip()
    if BIBTEX_START.match(first):
        return "bibtex"
    if RIS_START.match(stripped):
        return "ris"
    if stripped.startswith("{"):
        return "jsonl"
    if stripped == "arxiv_id" or looks_like_arxiv_id(stripped):
        return "arxiv-dump"
    try:
        header = next(csv.reader([stripped]), [])
    except csv.Error:  # a first line longer than csv.field_size_limit is no CSV header
        return None
    if {"arxiv_id", "title", "abstract"} & {cell.strip().lower() for cell in header}:
        return "csv"
    return None
