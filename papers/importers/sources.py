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
            parsed.file_error(1, f"unknown format (expected one of {', '.join(FORMATS)}; pass --format to choose)")
            return parsed
        format = detected
    elif format not in PARSERS:
        parsed.file_error(1, f"unknown format {format!r}")
        return parsed
    parsed.format = format
    PARSERS[format](text, parsed)
    return parsed
