"""PubMed's MEDLINE format (the ``.nbib`` file PubMed's "Send to: Citation manager" saves).

Each record starts with ``PMID- 12345678`` and ends at a blank line; each line is a tag padded to four
characters, ``- `` and a value (``TI  - A title``, ``FAU - Smith, John``); a long value goes on over lines
indented by six spaces.
"""

import re
from collections.abc import Iterable, Iterator

from ..identity import normalize_doi, normalize_pmid
from .fields import clean_line, first_name_first, read_date
from .records import PaperRecord, ParsedFile
from .text import iter_lines

TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
CONTINUATION = re.compile(r"^ {2,}\S")
# "10.1016/j.x.2020.01.001 [doi]" in LID and AID.
DOI_VALUE = re.compile(r"^(\S+)\s*\[doi\]\s*$", re.IGNORECASE)
# What goes into the paper's extra, and under which name; lists keep every value.
EXTRA_TAGS = {"VI": "volume", "IP": "issue", "PG": "pages", "PMC": "pmcid", "TA": "journal_abbreviation"}
EXTRA_LISTS = {"PT": "publication_types", "MH": "mesh_terms", "OT": "keywords", "IS": "issn", "LA": "language"}


def parse_medline(text: str, parsed: ParsedFile) -> None:
    """Add one record per MEDLINE record to ``parsed``."""
    parsed.records.extend(list(read_medline(iter_lines(text), parsed)))


def read_medline(lines: Iterable[tuple[int, str]], parsed: ParsedFile) -> Iterator[PaperRecord]:
    """Yield one record per MEDLINE record of ``(number, line)`` pairs, as each ends (sources.py streams)."""
    start = None
    pairs: list[tuple[str, str]] = []
    for number, line in lines:
        yield from parsed.take_records()
        if not line.strip():
            if start is not None:
                _add_record(start, pairs, parsed)
                start, pairs = None, []
            continue
        if CONTINUATION.match(line) and pairs:
            tag, value = pairs[-1]
            pairs[-1] = (tag, f"{value} {line.strip()}" if value else line.strip())
            continue
        match = TAG_LINE.match(line)
        if match is None:
            parsed.error(number, f"expected a MEDLINE tag line (such as TI  - ), found {line.strip()[:40]!r}")
            continue
        tag, value = match[1], match[2].strip()
        if start is None:
            if tag != "PMID":
                parsed.error(number, f"expected PMID- to start a MEDLINE record, found {tag}")
                continue
            start = number
        elif tag == "PMID":
            # Records run together without the blank line between them.
            _add_record(start, pairs, parsed)
            start, pairs = number, []
        pairs.append((tag, value))
    if start is not None:
        _add_record(start, pairs, parsed)
    yield from parsed.take_records()


def _add_record(line: int, pairs: list[tuple[str, str]], parsed: ParsedFile) -> None:
    tags: dict[str, list[str]] = {}
    for tag, value in pairs:
        if value:
            tags.setdefault(tag, []).append(value)

    def first(*names: str) -> str:
        return next((tags[name][0] for name in names if tags.get(name)), "")

    raw_pmid = first("PMID")
    pmid = normalize_pmid(raw_pmid)
    if not pmid:
        parsed.error(line, f"malformed PubMed id {raw_pmid[:40]!r}: expected digits")
        return
    year, month = read_date(first("DP"))
    extra = {"database": "PubMed"}
    for tag, name in EXTRA_TAGS.items():
        if value := clean_line(first(tag)):
            extra[name] = value
    for tag, name in EXTRA_LISTS.items():
        if values := list(dict.fromkeys(clean_line(value) for value in tags.get(tag, []))):
            extra[name] = values
    authors = [first_name_first(name) for name in tags.get("FAU") or tags.get("AU") or []]
    # A collective author (a consortium) is an author too.
    authors += [clean_line(name) for name in tags.get("CN", [])]
    parsed.records.append(
        PaperRecord(
            line=line,
            pmid=pmid,
            title=clean_line(first("TI", "BTI")),
            abstract=first("AB").strip(),
            authors=authors,
            doi=_doi(tags),
            venue=clean_line(first("JT", "TA")),
            year=year,
            month=month,
            extra=extra,
        )
    )


def _doi(tags: dict[str, list[str]]) -> str:
    for value in [*tags.get("LID", []), *tags.get("AID", [])]:
        if (match := DOI_VALUE.match(value)) and (doi := normalize_doi(match[1])):
            return doi
    return ""
