"""Turning uploaded bytes into text and lines without losing or rewriting any character.

Most exports are UTF-8. Older tools write Windows-1252 (EndNote, Excel's CSV in Western locales), Chinese
databases GBK, Excel's "Unicode text" UTF-16: those are recognised and read, and the report notes the
encoding used. A file that is UTF-8 but for a few damaged bytes is read as UTF-8, not as another encoding
(which would garble its every accent): each damaged byte stands in the text as a lone surrogate (Python's
``surrogateescape``), so a record that keeps one in a field is refused by validation at its line, and bytes in
parts of the file no record keeps (a comment, a column we do not read) harm nothing.
"""

import codecs
import re
from collections.abc import Iterator

from charset_normalizer import from_bytes

from .records import ParsedFile

# Longest first: UTF-32's little-endian mark begins with UTF-16's.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The encodings bibliographic exports other than UTF-8 come in, in the order that wins a tie: a short file
# with one accented letter reads as well in Windows-1251 as in Windows-1252, and the Western one is likelier.
CANDIDATE_ENCODINGS = ("cp1252", "gb18030", "shift_jis", "big5", "euc_kr", "cp1251")
ENCODING_NAMES = {
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252 (Latin-1)",
    "gb18030": "GB18030 (GBK)",
    "shift_jis": "Shift JIS",
    "big5": "Big5",
    "euc_kr": "EUC-KR",
    "cp1251": "Windows-1251 (Cyrillic)",
}
# A multi-byte sequence shaped like UTF-8 (a lead byte and its continuation bytes). In a file in a single-byte
# encoding such pairs are rare accidents ("Ã©"); in GBK a minority of characters; in damaged UTF-8 the rule.
UTF8_SHAPED = re.compile(rb"[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf7][\x80-\xbf]{3}")
HIGH_BYTES = bytes(range(0x80, 0x100))
FIRST_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
# Enough text to tell damaged UTF-8 from another encoding, read in well under a second.
SAMPLE_BYTES = 1_000_000
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
# Lines named in the note about damaged bytes before the rest are counted.
LISTED_LINES = 10


def decode_source(data: bytes, parsed: ParsedFile) -> str | None:
    """The file's text (a leading byte-order mark dropped), or None after recording why it cannot be read.

    Sets ``parsed.encoding`` and notes on ``parsed`` any encoding other than UTF-8.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return _decode_marked(data, encoding, parsed)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        first_error = error
    if _looks_like_damaged_utf8(data):
        return _decode_damaged_utf8(data, parsed)
    encoding = guess_encoding(data)
    if encoding is None:
        line = data.count(b"\n", 0, first_error.start) + 1
        parsed.file_error(
            line,
            f"not valid UTF-8: byte 0x{data[first_error.start]:02x} cannot be decoded, and no other encoding "
            "fits the file; save it as UTF-8",
        )
        return None
    parsed.encoding = encoding
    parsed.note(None, f"not UTF-8: read as {ENCODING_NAMES[encoding]}, the encoding that fits its text best")
    return data.decode(encoding)


def guess_encoding(data: bytes) -> str | None:
    """The candidate encoding whose reading of ``data`` is least garbled (charset-normalizer), or None."""
    results = list(from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS)))
    if not results:
        return None
    least_chaos = min(result.chaos for result in results)
    # Ties are common on short files: prefer the more coherent reading, then the likelier encoding.
    ranked = sorted(
        (result for result in results if result.chaos <= least_chaos + 0.01),
        key=lambda result: (-result.coherence, _preference(result.encoding)),
    )
    for result in ranked:
        try:
            data.decode(result.encoding)
        except (UnicodeDecodeError, LookupError):
            # charset-normalizer judges samples of a large file; the whole must decode.
            continue
        return result.encoding
    return None


def _preference(encoding: str) -> int:
    return CANDIDATE_ENCODINGS.index(encoding) if encoding in CANDIDATE_ENCODINGS else len(CANDIDATE_ENCODINGS)


def _decode_marked(data: bytes, encoding: str, parsed: ParsedFile) -> str | None:
    name = ENCODING_NAMES[encoding]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        parsed.file_error(1, f"not valid {name} though it starts with {name}'s byte-order mark: {error.reason}")
        return None
    parsed.encoding = encoding
    parsed.note(None, f"read as {name} (it starts with {name}'s byte-order mark)")
    return text


def _looks_like_damaged_utf8(data: bytes) -> bool:
    """Whether the high bytes mostly form UTF-8 sequences (judged on SAMPLE_BYTES from the first of them)."""
    first = FIRST_HIGH_BYTE.search(data)
    start = first.start() if first else 0
    sample = data[start : start + SAMPLE_BYTES]
    shaped = UTF8_SHAPED.findall(sample)
    high = len(sample) - len(sample.translate(None, HIGH_BYTES))
    return len(shaped) > high - sum(map(len, shaped))


def _decode_damaged_utf8(data: bytes, parsed: ParsedFile) -> str:
    text = data.decode("utf-8", "surrogateescape")
    parsed.damaged_bytes = True
    lines = []
    count = 0
    line, position = 1, 0
    for match in ESCAPED_BYTE.finditer(text):
        count += 1
        line += text.count("\n", position, match.start())
        position = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    shown = ", ".join(map(str, lines[:LISTED_LINES]))
    if len(lines) > LISTED_LINES:
        shown += f" and {len(lines) - LISTED_LINES} more"
    parsed.note(
        None,
        f"UTF-8 with {count} damaged byte(s) (line(s) {shown}): a record with one in a field it keeps is "
        "refused; elsewhere they are ignored",
    )
    return text


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` split on ``\\n`` only, dropping the ``\\r`` of CRLF endings.

    str.splitlines would also split on form feeds, U+2028 and friends, which do occur inside abstracts.
    """
    start = 0
    number = 1
    length = len(text)
    while start <= length:
        end = text.find("\n", start)
        if end == -1:
            if start == length:
                return
            end = length
        line = text[start:end]
        if line.endswith("\r"):
            line = line[:-1]
        yield number, line
        number += 1
        start = end + 1
