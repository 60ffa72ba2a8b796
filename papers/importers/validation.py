"""What the database or the pages would refuse, found record by record before anything is written.

Every format's records pass through check_records, so a file fails with ``FILE:LINE: reason`` instead of
halfway through the import's transaction, and SQLite and PostgreSQL accept exactly the same files.
"""

import re

from ..models import Paper
from .records import PaperRecord, ParsedFile

WEB_URL = re.compile(r"https?://[^\s/?#]+", re.IGNORECASE)
# PostgreSQL cannot store NUL, and SQLite would; the other C0 controls have no place in a paper's text, and two
# of them (\x02, \x03) mark search highlights. Tab, newline, carriage return and form feed do occur in abstracts.
REFUSED_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])
# Inside a field, a byte-order mark is where two files were joined.
BYTE_ORDER_MARK = "\ufeff"
# Those, and lone surrogates (a JSON "\ud800" escape), which are not Unicode and cannot be encoded.
UNSTORABLE_CHARACTER = re.compile(f"[{re.escape(REFUSED_CONTROLS.decode())}\\ud800-\\udfff{BYTE_ORDER_MARK}]")
# Far above any real abstract or title (arXiv allows 1,920 characters), and low enough that PostgreSQL's search
# document of both stays under its 1 MB tsvector limit.
MAX_TEXT_LENGTH = 50_000
# Everything else a record keeps (keywords, volume, pages, …), written out as JSON.
MAX_EXTRA_LENGTH = 100_000
TEXT_FIELDS = ("abstract", "title", "primary_category", "doi", "url", "pmid", "venue")
SHORT_FIELDS = ("arxiv_id", "primary_category", "doi", "url", "pmid", "venue")


def check_records(parsed: ParsedFile) -> None:
    """Record an error on ``parsed`` for every value the database or the pages would refuse."""
    limits = {
        "abstract": MAX_TEXT_LENGTH,
        "title": MAX_TEXT_LENGTH,
        **{name: Paper._meta.get_field(name).max_length for name in SHORT_FIELDS},
    }
    for record in parsed.records:
        if not record.title.strip() and not record.abstract.strip():
            parsed.error(record.line, f"record {record.label[:80]} has no title and no abstract")
        for name, limit in limits.items():
            if len(getattr(record, name)) > limit:
                parsed.error(record.line, f"{name} of {record.label[:80]} is longer than {limit} characters")
        extra = "".join(_strings(record.extra)) if record.extra else ""
        if len(extra) > MAX_EXTRA_LENGTH:
            parsed.error(
                record.line, f"other fields of {record.label[:80]} are longer than {MAX_EXTRA_LENGTH} characters"
            )
        if not _is_storable("".join([*(getattr(record, name) for name in TEXT_FIELDS), *record.authors, extra])):
            _report_unstorable(record, parsed)
        # Pages link to the URL: a javascript: or data: address would run in the reader's browser.
        if record.url and not WEB_URL.match(record.url):
            parsed.error(record.line, f"url of {record.label[:80]} is not an http(s) address: {record.url[:80]!r}")
        for name in ("year", "month"):
            value = getattr(record, name)
            if value is not None and not (1 <= value <= (9999 if name == "year" else 12)):
                parsed.error(record.line, f"{name} of {record.label[:80]} is out of range: {value}")


def _text_values(record: PaperRecord):
    for name in TEXT_FIELDS:
        yield name, getattr(record, name)
    for number, author in enumerate(record.authors, 1):
        yield f"author {number}", author
    # Each of the other fields by its name, so the reason says where the character is.
    for key, value in record.extra.items():
        yield f"the name of the field {str(key)[:40]!r}", str(key)
        yield str(key)[:40], "".join(_strings(value))


def _strings(value):
    """Every key and text in a JSON-shaped value (PostgreSQL's jsonb refuses NUL in any of them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _is_storable(text: str) -> bool:
    # Encoding and deleting bytes run in C, three times faster than UNSTORABLE_CHARACTER.search: every record
    # of a large import pays for this, and only records that fail it are searched for the reason. In UTF-8 the
    # control bytes stand only for themselves.
    try:
        encoded = text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return len(encoded.translate(None, REFUSED_CONTROLS)) == len(encoded) and BYTE_ORDER_MARK not in text


def _report_unstorable(record: PaperRecord, parsed: ParsedFile) -> None:
    for name, value in _text_values(record):
        if match := UNSTORABLE_CHARACTER.search(value):
            shown = repr(match[0])[1:-1]
            reason = f"{name} of {record.label[:80]} contains {shown} at character {match.start() + 1}"
            parsed.error(record.line, f"{reason}: {_why_unstorable(match[0], parsed.damaged_bytes)}")


def _why_unstorable(character: str, damaged_bytes: bool = False) -> str:
    code = ord(character)
    if code == 0:
        return "NUL characters cannot be stored"
    if damaged_bytes and 0xDC80 <= code <= 0xDCFF:
        # papers/importers/text.py keeps an undecodable byte as this surrogate.
        return f"the file's byte 0x{code - 0xDC00:02x} here is not valid UTF-8"
    if 0xD800 <= code <= 0xDFFF:
        return "an unpaired surrogate is not valid Unicode"
    if code == 0xFEFF:
        return "a byte-order mark inside a field is where two files were joined"
    return "control characters other than tab, newline, carriage return and form feed are refused"
