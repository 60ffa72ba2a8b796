"""CSV with a header row naming at least ``arxiv_id`` and ``abstract``."""

import csv
import io

from .records import ParsedFile
from .rows import TEXT_COLUMNS, record_from_row


def parse_csv(text: str, parsed: ParsedFile) -> None:
    """Add the records of a CSV text to ``parsed``; errors name the line where the record starts."""
    # newline="" keeps newlines inside quoted fields as written and splits rows only on \r, \n, \r\n.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = None
    lines_read = 0
    while True:
        start = lines_read + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            parsed.error(start, f"broken CSV: {error}")
            return
        lines_read = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if not any(column in header for column in TEXT_COLUMNS):
                parsed.error(start, f"missing CSV column title or abstract (header: {', '.join(row)})")
                return
            continue
        if len(row) > len(header):
            parsed.error(start, f"row has {len(row)} cells but the header names {len(header)} columns")
            continue
        if record := record_from_row(dict(zip(header, row, strict=False)), start, parsed):
            parsed.records.append(record)
    if header is None:
        parsed.error(1, "empty CSV file: no header row")
