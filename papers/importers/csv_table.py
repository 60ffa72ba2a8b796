"""Tables with a header row: CSV, and the tab- or semicolon-separated files some databases and Excel write.

The header names the columns (papers/importers/rows.py maps the names of ASReview, Rayyan, Scopus, Embase and
Web of Science exports); it must name a title or an abstract column.
"""

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

from .records import PaperRecord, ParsedFile
from .rows import column_map, has_text_column, is_wos_header, record_from_row, shown_header
from .text import iter_lines

DELIMITERS = ("\t", ",", ";")


def parse_csv(text: str, parsed: ParsedFile) -> None:
    """Add the records of a table to ``parsed``; errors name the line where the record starts."""
    # newline="" keeps newlines inside quoted fields as written and splits rows only on \r, \n, \r\n.
    parsed.records.extend(read_csv(io.StringIO(text, newline=""), parsed))


def read_csv(lines: Iterable[str], parsed: ParsedFile) -> Iterator[PaperRecord]:
    """Yield the records of a table's lines (each with its line ending) one at a time (sources.py streams)."""
    lines = iter(lines)
    head = []
    for line in lines:
        head.append(line)
        if line.strip():
            break
    header_line = head[-1] if head else ""
    delimiter = sniff_delimiter(header_line)
    header_cells = _first_row(header_line, delimiter)
    # Web of Science's tab-delimited export quotes nothing: a title that opens with a quotation mark is text.
    quoting = csv.QUOTE_NONE if delimiter == "\t" and is_wos_header(header_cells) else csv.QUOTE_MINIMAL
    reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter, quoting=quoting, strict=True)
    header = mapping = None
    lines_read = 0
    while True:
        start = lines_read + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            if reader.line_num == lines_read or "end of data" in str(error):
                # A quote left open swallows the rest of the file: no later row can be told apart.
                parsed.file_error(start, f"broken CSV: {error} (a quoted field is never closed)")
                return
            parsed.error(start, f"broken CSV: {error}")
            lines_read = reader.line_num
            continue
        lines_read = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if not has_text_column(header):
                parsed.file_error(start, f"missing CSV column title or abstract (header: {shown_header(row)})")
                return
            mapping = column_map(header)
            continue
        if len(row) > len(header):
            if any(cell.strip() for cell in row[len(header) :]):
                parsed.error(start, f"row has {len(row)} cells but the header names {len(header)} columns")
                continue
            row = row[: len(header)]  # Web of Science ends every line with a tab
        if record := record_from_row(dict(zip(header, row, strict=False)), start, parsed, mapping):
            yield record
    if header is None:
        parsed.file_error(1, "empty CSV file: no header row")


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the one of tab, comma and semicolon it holds most often (comma on a tie)."""
    line = _header_line(text)
    counts = {delimiter: line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best if counts[best] else ","


def _header_line(text: str) -> str:
    return next((line for _number, line in iter_lines(text) if line.strip()), "")


def _first_row(text: str, delimiter: str) -> list[str]:
    line = _header_line(text)
    return [cell.strip().lower() for cell in line.rstrip("\r").split(delimiter)]
