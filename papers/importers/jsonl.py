"""JSON Lines: one JSON object a line with at least ``arxiv_id`` and ``abstract``."""

import json

from .records import ParsedFile
from .rows import record_from_row
from .text import iter_lines


def parse_jsonl(text: str, parsed: ParsedFile) -> None:
    """Add the records of a JSONL text to ``parsed``; blank lines are allowed, anything else must be an object."""
    loads = json.loads
    for number, line in iter_lines(text):
        if not line.strip():
            continue
        try:
            row = loads(line)
        except ValueError as error:
            parsed.error(number, f"broken JSON line: {error.msg} at column {error.colno}")
            continue
        if not isinstance(row, dict):
            parsed.error(number, f"expected a JSON object, found {type(row).__name__}")
            continue
        if record := record_from_row(row, number, parsed):
            parsed.records.append(record)
