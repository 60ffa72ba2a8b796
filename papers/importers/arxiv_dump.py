"""The dataset-viewer dump the seed corpus came in: an id line, then the abstract's line(s).

An optional header (``arxiv_id``, ``stringlengths``, min, max, ``abstract``, ...) comes first. A record
ends only where the next line that is exactly an arXiv id begins, so re-wrapped abstracts survive.
"""

from collections.abc import Iterable, Iterator

from ..arxiv_ids import InvalidArxivId, looks_like_arxiv_id, parse_arxiv_id
from .records import PaperRecord, ParsedFile
from .text import iter_lines


def parse_arxiv_dump(text: str, parsed: ParsedFile) -> None:
    """Add the records of a dataset dump to ``parsed``; abstract lines are joined with ``\\n`` as written."""
    parsed.records.extend(list(read_arxiv_dump(iter_lines(text), parsed)))


def read_arxiv_dump(lines: Iterable[tuple[int, str]], parsed: ParsedFile) -> Iterator[PaperRecord]:
    """Yield the records of a dump's ``(number, line)`` pairs as each ends (sources.py streams)."""
    in_header = False
    current = None  # (line number, ArxivId or None when malformed, abstract lines)
    for number, line in lines:
        if number == 1 and line.strip() == "arxiv_id":
            in_header = True
            continue
        if looks_like_arxiv_id(line):
            in_header = False
            _finish(current, parsed)
            yield from parsed.take_records()
            try:
                arxiv_id = parse_arxiv_id(line)
            except InvalidArxivId as error:
                parsed.error(number, str(error))
                arxiv_id = None
            current = (number, arxiv_id, [])
        elif in_header:
            continue
        elif current is None:
            if line.strip():
                parsed.error(number, "expected an arXiv id line before any abstract text")
                current = (number, None, [])
        else:
            current[2].append(line)
    _finish(current, parsed)
    yield from parsed.take_records()


def _finish(current, parsed: ParsedFile) -> None:
    if current is None:
        return
    number, arxiv_id, lines = current
    if arxiv_id is None:
        return
    # Blank lines around a record separate records; they are not part of the abstract. They are cut by index:
    # popping them one by one from the front took time quadratic in their number.
    start = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
    end = next((index for index in range(len(lines), start, -1) if lines[index - 1].strip()), start)
    if start == end:
        parsed.error(number, f"truncated record: no abstract after {arxiv_id}")
        return
    abstract = "\n".join(lines[start:end])
    parsed.records.append(
        PaperRecord(arxiv_id=arxiv_id.canonical, version=arxiv_id.version, line=number, abstract=abstract)
    )
