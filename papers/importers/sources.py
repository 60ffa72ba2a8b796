"""From a named file to its records: decode, recognise the format, parse.

``parse_source`` parses bytes held in memory into a ParsedFile with every record. ``scan_source`` streams a
file from disk instead: a UTF-8 file in a line-based format (arXiv dump, JSONL, CSV, RIS, MEDLINE) is read
line by line and its records come one at a time, so a file of any size imports in flat memory. Files in another
encoding (found by papers/importers/text.py, which must see the whole file) and BibTeX are read whole; such
exports are small. Whether a file is UTF-8 throughout is checked before its first record is read.
"""

import codecs
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .arxiv_dump import parse_arxiv_dump, read_arxiv_dump
from .bibtex import parse_bibtex
from .csv_table import parse_csv, read_csv
from .detect import FORMATS, detect_format
from .jsonl import parse_jsonl, read_jsonl
from .medline import parse_medline, read_medline
from .records import PaperRecord, ParsedFile
from .ris import parse_ris, read_ris
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
# Parsers that take the lines of a file and yield records: they stream. All but CSV take ``(number, line)``
# pairs as text.iter_lines gives them (no line ending); CSV takes the lines with their endings, since a quoted
# field keeps the newlines inside it as written.
LINE_READERS = {
    "arxiv-dump": read_arxiv_dump,
    "jsonl": read_jsonl,
    "ris": read_ris,
    "medline": read_medline,
}
TABLE_READERS = {"csv": read_csv}
CR_NOT_BEFORE_LF = re.compile(r"(?<=\r)(?!\n)")
# Format detection looks at the first meaningful line; comments and blank lines before it are skipped.
DETECTION_LINES = 1_000
# How often (in bytes) a streamed file reports how far it got.
PROGRESS_BYTES = 1 << 20
UTF8_CHECK_BLOCK = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
OTHER_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True, slots=True)
class Source:
    """A file to import: its name as given, and its bytes on disk (``path``) or in memory (``data``)."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def of(cls, name: str, content) -> "Source":
        """A source from ``(name, bytes)`` or ``(name, path)``."""
        if isinstance(content, bytes | bytearray | memoryview):
            return cls(name, data=bytes(content))
        return cls(name, path=Path(content))

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")

    def read_bytes(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()


def parse_source(name: str, data: bytes, format: str = "auto") -> ParsedFile:
    """Parse one file held in memory; every problem is collected on the result rather than raised."""
    parsed = ParsedFile(name=name, sha256=hashlib.sha256(data).hexdigest())
    text = decode_source(data, parsed)
    if text is None:
        return parsed
    if not _choose_format(text, format, parsed):
        return parsed
    PARSERS[parsed.format](text, parsed)
    for record in parsed.records:
        _drop_review_work(record)
    return parsed


def _drop_review_work(record: PaperRecord) -> PaperRecord:
    """A review's own RIS or BibTeX export (reviews/exporting) brought back, say through Zotero, carries the team's
    work in each record's note (every reviewer's decision, score and comments) and keywords (its tags and
    ``marginalia:include``): that is no part of the paper. Kept, the corpus would show it in every review, to blind
    reviewers too."""
    note = record.extra.get("note")
    if isinstance(note, str) and note.startswith(REVIEW_EXPORT_NOTE):
        del record.extra["note"]
        record.extra.pop("keywords", None)
    return record


def _choose_format(text: str, format: str, parsed: ParsedFile) -> bool:
    if format == "auto":
        detected = detect_format(text)
        if detected is None:
            expected = ", ".join(FORMATS)
            parsed.file_error(1, f"unknown format (expected one of {expected}; choose the format, not detect it)")
            return False
        format = detected
    elif format not in PARSERS:
        parsed.file_error(1, f"unknown format {format!r}")
        return False
    parsed.format = format
    return True


class NotLineBased(Exception):
    """Detection found a format that does not stream (BibTeX), or none: the whole-file reader takes over."""


def scan_source(
    source: Source,
    format: str,
    parsed: ParsedFile,
    on_bytes: Callable[[int], None] | None = None,
    streams: bool | None = None,
) -> Iterator[PaperRecord]:
    """Yield the records of ``source`` in file order, recording problems on ``parsed`` (and its format, sha256,
    encoding and notes). ``on_bytes(n)`` is told how many bytes were read, as they are read.

    A UTF-8 file in a line-based format streams; any other is read whole and parsed as parse_source does.
    ``streams`` is that choice when already made (can_stream), as on a second pass over the same file.
    """
    if streams is None:
        streams = can_stream(source, format)
    if streams:
        digest = hashlib.sha256()
        try:
            for record in _scan_lines(source, format, parsed, digest, on_bytes):
                yield _drop_review_work(record)
            parsed.sha256 = digest.hexdigest()
            return
        except NotLineBased:
            _reset(parsed)
    data = source.read_bytes()
    whole = parse_source(source.name, data, format)
    for name in ("format", "sha256", "encoding", "damaged_bytes", "errors", "warnings", "notes"):
        setattr(parsed, name, getattr(whole, name))
    if on_bytes:
        on_bytes(len(data))
    yield from whole.records


def can_stream(source: Source, format: str) -> bool:
    """Whether ``source`` can be read line by line: a line-based format (or auto), and valid UTF-8 throughout.

    The encoding is checked first, in blocks (a read of the file at disk speed), so that a file is never found
    not to be UTF-8 after some of its records were taken.
    """
    if format not in LINE_READERS and format not in TABLE_READERS and format != "auto":
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    with source.open() as file:
        if file.read(4).startswith(OTHER_BOMS):
            return False
        file.seek(0)
        try:
            while block := file.read(UTF8_CHECK_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _reset(parsed: ParsedFile) -> None:
    parsed.errors.clear()
    parsed.warnings.clear()
    parsed.notes.clear()
    parsed.format = ""


def _scan_lines(source, format, parsed, digest, on_bytes) -> Iterator[PaperRecord]:
    if format == "auto":
        with source.open() as file:
            head = []
            for _number, line in zip(range(DETECTION_LINES), _decoded_lines(file, None, None), strict=False):
                head.append(line)
        format = detect_format("".join(head))
    if format not in LINE_READERS and format not in TABLE_READERS:
        raise NotLineBased
    parsed.format = format
    with source.open() as file:
        lines = _decoded_lines(file, digest, on_bytes)
        if format in TABLE_READERS:
            yield from TABLE_READERS[format](_table_lines(lines), parsed)
        else:
            yield from LINE_READERS[format](_numbered(lines), parsed)


def _decoded_lines(file: BinaryIO, digest, on_bytes) -> Iterator[str]:
    """The file's lines as text, each with its ending (``\\n`` or ``\\r\\n``), a leading UTF-8 BOM dropped."""
    unreported = 0
    first = True
    for raw in file:
        if digest is not None:
            digest.update(raw)
        if on_bytes:
            unreported += len(raw)
            if unreported >= PROGRESS_BYTES:
                on_bytes(unreported)
                unreported = 0
        if first:
            first = False
            if raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
        yield raw.decode("utf-8")  # can_stream checked the whole file
    if on_bytes and unreported:
        on_bytes(unreported)


def _numbered(lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    # As text.iter_lines numbers and cuts the lines of a whole text: the \n goes, and the \r of a \r\n.
    for number, line in enumerate(lines, 1):
        yield number, line.removesuffix("\n").removesuffix("\r")


def _table_lines(lines: Iterator[str]) -> Iterator[str]:
    # The csv module splits rows on \r, \n and \r\n: a file with old Mac endings (\r alone) is one line here.
    for line in lines:
        if "\r" in line.rstrip("\r\n"):
            yield from CR_NOT_BEFORE_LF.split(line)
        else:
            yield line
