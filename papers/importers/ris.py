"""RIS as Zotero, Rayyan and Covidence export it (``TY  - JOUR`` ... ``ER  -``)."""

import re

import rispy

from ..arxiv_ids import InvalidArxivId, find_arxiv_id, parse_arxiv_id
from .merge import is_newer
from .records import PaperRecord, ParsedFile
from .text import iter_lines

TAG_LINE = re.compile(r"([A-Z][A-Z0-9])  -(?: (.*))?$")
# Fields that carry a paper's own identifiers in real exports (UR, DO, M3, N1, L1-L4), most trusted first.
# Free text (abstract, title, notes_abstract) is never read: an abstract citing arXiv:1706.03762 is not that
# paper, and reading it would attach one article's metadata to another.
ID_FIELDS = ("urls", "doi", "type_of_work", "notes", "file_attachments1", "file_attachments2", "link_to_pdf")


def parse_ris(text: str, parsed: ParsedFile) -> None:
    """Add one record per RIS reference that names an arXiv paper; warn about (and skip) the rest.

    rispy gives no line numbers and silently drops a reference without ``ER  -``, so references are
    delimited here first and each is handed to rispy on its own.
    """
    start = None
    lines: list[str] = []
    for number, line in iter_lines(text):
        match = TAG_LINE.match(line)
        tag = match[1] if match else None
        if tag == "TY":
            if start is not None:
                parsed.error(start, "truncated record: no ER  - line before the next TY  -")
            start, lines = number, [line]
        elif start is None:
            if line.strip():
                parsed.error(number, "expected TY  - to start a RIS reference")
        else:
            lines.append(line)
            if tag == "ER":
                _add_reference(start, lines, parsed)
                start, lines = None, []
    if start is not None:
        parsed.error(start, "truncated record: no ER  - line at end of file")


def _add_reference(line: int, lines: list[str], parsed: ParsedFile) -> None:
    try:
        (reference,) = rispy.loads("\n".join(lines) + "\n")
    except Exception as error:  # rispy raises bare exceptions of several kinds on malformed input
        parsed.error(line, f"unparseable RIS reference: {error}")
        return
    try:
        arxiv_id = _reference_arxiv_id(reference)
    except InvalidArxivId as error:
        parsed.error(line, str(error))
        return
    if arxiv_id is None:
        parsed.warn(line, "skipped: no arXiv id")
        return
    urls = reference.get("urls") or []
    parsed.records.append(
        PaperRecord(
            arxiv_id=arxiv_id.canonical,
            version=arxiv_id.version,
            line=line,
            abstract=(reference.get("abstract") or reference.get("notes_abstract") or "").strip(),
            title=" ".join((reference.get("title") or reference.get("primary_title") or "").split()),
            authors=[_first_name_first(name) for name in _authors(reference) if name.strip()],
            doi=(reference.get("doi") or "").strip(),
            url=urls[0].strip() if urls else "",
        )
    )


def _authors(reference: dict) -> list[str]:
    return reference.get("authors") or reference.get("first_authors") or []


def _first_name_first(name: str) -> str:
    # RIS writes "Vaswani, Ashish"; BibTeX imports give "Ashish Vaswani", so one paper reads the same either way.
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 2 and all(parts):
        return " ".join(f"{parts[1]} {parts[0]}".split())
    return " ".join(name.split())


def _reference_arxiv_id(reference: dict):
    """The first arXiv id found, most trusted field first, with the highest version any field gives it.

    Zotero puts the bare id in DO and UR but the versioned one (``arXiv:2201.11903v6``) in M3 or N1.
    """
    found = None
    for name in ID_FIELDS:
        values = reference.get(name)
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str) or not (embedded := find_arxiv_id(value)):
                continue
            arxiv_id = parse_arxiv_id(embedded)
            if found is None or arxiv_id.canonical == found.canonical and is_newer(arxiv_id.version, found.version):
                found = arxiv_id
    return found
