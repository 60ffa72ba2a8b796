"""JSON Lines: one JSON object a line with at least ``arxiv_id`` and ``abstract``."""

from .json_text import BrokenJson, json_kind, load_json
from .records import ParsedFile
from .rows import record_from_row
from .text import iter_lines


def parse_jsonl(text: str, parsed: ParsedFile) -> None:
    """Add the records of a JSONL text to ``parsed``; blank lines are allowed, anything else must be an object."""
    for number, line in iter_lines(text):
        if not line.strip():
            continue
        try:
            row = load_json(line)
        except BrokenJson as error:
            parsed.error(number, f"broken JSON line: {error}")
            continue
        if not isinstance(row, dict):
            parsed.error(number, f"expected a JSON object, found {json_kind(row)}")
            continue
        if record := record_from_row(row, number, parsed):
            parsed.records.append(record)
