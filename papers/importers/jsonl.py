"""JSON Lines: one JSON object a line, with the column names of papers/importers/rows.py as keys."""

from collections.abc import Iterable, Iterator

from .json_text import BrokenJson, json_kind, load_json
from .records import PaperRecord, ParsedFile
from .rows import column_map, record_from_row
from .text import iter_lines

# A file whose lines vary their keys endlessly is mapped line by line past this many sets of keys.
MAX_KEY_SETS = 1_000


def parse_jsonl(text: str, parsed: ParsedFile) -> None:
    """Add the records of a JSONL text to ``parsed``; blank lines are allowed, anything else must be an object."""
    parsed.records.extend(read_jsonl(iter_lines(text), parsed))


def read_jsonl(lines: Iterable[tuple[int, str]], parsed: ParsedFile) -> Iterator[PaperRecord]:
    """Yield the records of JSONL ``(number, line)`` pairs, one at a time (papers/importers/sources.py streams)."""
    # Lines of one file almost always have the same keys: map them to columns once per set of keys.
    mappings: dict[tuple, tuple[dict, bool]] = {}
    for number, line in lines:
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
        if number == 1 and row.get("type") == "marginalia-review":
            # Else each of its lines is "missing title and abstract": one line says what it is and what reads it.
            parsed.file_error(number, "a Marginalia review archive, not a list of papers: restore it with "
                              "manage.py import_review")  # fmt: skip
            return
        keys = tuple(row)
        if (known := mappings.get(keys)) is None:
            columns = [key.strip().lower() for key in keys]
            known = (column_map(columns), columns != list(keys))
            if len(mappings) < MAX_KEY_SETS:
                mappings[keys] = known
        mapping, lower = known
        if lower:
            row = {key.strip().lower(): value for key, value in row.items()}
        if record := record_from_row(row, number, parsed, mapping):
            yield record
