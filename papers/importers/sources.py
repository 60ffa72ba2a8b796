"""From a named file's bytes to a ParsedFile: decode, recognise the format, parse."""

import hashlib

from .arxiv_dump import parse_arxiv_dump
from .bibtex import parse_bibtex
from .csv_table import parse_csv
from .detect import FORMATS, detect_format
from .jsonl import parse_jsonl
from .medline import parse_medline
from .records import ParsedFile
from .ris import parse_ris
from .text import decode_source

# How the note of a record a review exported begins (reviews/exporting/words.py, decision_line).
REVIEW_EXPORT_NOTE = "Final decision: "

PARSERS = {
    "arxiv-dump": parse_arxiv_dump,
    "jsonl": parse_jsonl,
    "csv": parse_csv,
    "bibtex": parse_bibtex,
    "ris": parse_ris,
    "medline": parse_medline,
}


def parse_source(name: str, data: bytes, format: str = "auto") -> ParsedFile:
    """Parse one file; every problem is collected on the result rather than raised."""
    parsed = ParsedFile(name=name, sha256=hashlib.sha256(data).hexdigest())
    text = decode_source(data, parsed)
    if text is None:
        return parsed
    if format == "auto":
        detected = detect_format(text)
        if detected is None:
            expected = ", ".join(FORMATS)
            parsed.file_error(1, f"unknown format (expected one of {expected}; choose the format, not detect it)")
            return parsed
        format = detected
    elif format not in PARSERS:
        parsed.file_error(1, f"unknown format {format!r}")
        return parsed
    parsed.format = format
    PARSERS[format](text, parsed)
    _drop_review_work(parsed)
    return parsed


def _drop_review_work(parsed: ParsedFile) -> None:
    """A review's own RIS or BibTeX export (reviews/exporting) brought back, say through Zotero, carries the team's
    work in each record's note (every reviewer's decision, score and comments) and keywords (its tags and
    ``marginalia:include``): that is no part of the paper. Kept, the corpus would show it in every review, to blind
    reviewers too."""
    for record in parsed.records:
        note = record.extra.get("note")
        if isinstance(note, str) and note.startswith(REVIEW_EXPORT_NOTE):
            del record.extra["note"]
            record.extra.pop("keywords", None)
