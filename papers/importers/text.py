"""Turning uploaded bytes into text and lines without losing or rewriting any character."""

from collections.abc import Iterator

from .records import ParsedFile


def decode_source(data: bytes, parsed: ParsedFile) -> str | None:
    """The file's text as UTF-8 (a leading byte-order mark dropped), or None after recording where it broke."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        parsed.error(line, f"not valid UTF-8: byte 0x{data[error.start]:02x} cannot be decoded")
        return None


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
