"""RIS as Zotero, EndNote, Rayyan, Covidence and the databases export it (``TY  - JOUR`` ... ``ER  -``).

References are read here, tag by tag, rather than by rispy, which gives no line numbers and silently drops a
reference without ``ER  -``. A value continued on the next line (a long abstract) is joined with a space, as
rispy does. EndNote's numbered lists (``1.`` alone on a line, or ``12. TY  - JOUR``) are read too.
"""

import re
from collections.abc import Iterable, Iterator

from ..arxiv_ids import InvalidArxivId, find_arxiv_id, parse_arxiv_id
from ..identity import normalize_pmid
from .fields import clean_line, first_name_first, page_range, read_date, read_doi, read_keywords, read_url
from .merge import is_newer
from .records import PaperRecord, ParsedFile
from .text import iter_lines

# "TY  - JOUR", or with nothing after the dash ("ER  -").
TAG_LINE = re.compile(r"([A-Z][A-Z0-9])  -(?: (.*)|)$")
# Some writers put one space before the dash. Only a reference whose TY line does is read so: in prose, a
# continued abstract line such as "UK - based cohorts" would otherwise end the abstract.
LOOSE_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]) {1,2}-(?: (.*)|)$")
NUMBERED = re.compile(r"^\s*\d+\.\s*")
# Fields that carry a paper's own identifiers in real exports (UR, DO, M3, N1, L1-L4), most trusted first.
# Free text (AB, TI, N2) is never read: an abstract citing arXiv:1706.03762 is not that paper, and reading it
# would attach one article's metadata to another.
ID_TAGS = ("UR", "DO", "M3", "N1", "L1", "L2", "L4")
TITLE_TAGS = ("TI", "T1", "CT", "BT")
# Full journal name first; T2 is Zotero's publication title (and a conference's proceedings).
VENUE_TAGS = ("JF", "T2", "JO", "SO", "J2", "JA")
BOOK_TYPES = {"BOOK", "CHAP", "EBOOK", "ECHAP", "EDBOOK"}
# A bare number in AN is a PubMed id unless the record says it came from another database.
OTHER_DATABASES = re.compile(r"cinahl|embase|scopus|web of science|wos|psycinfo|proquest|ebsco|ieee|acm", re.I)
PUBMED_DATABASE = re.compile(r"pubmed|medline|ncbi", re.I)
BARE_PMID = re.compile(r"^\d{1,8}$")
EXTRA_TAGS = {
    "VL": "volume",
    "IS": "issue",
    "PB": "publisher",
    "LA": "language",
    "CY": "place",
    "ET": "edition",
    "ID": "record_id",
    "LB": "label",
    "C7": "article_number",
}


def parse_ris(text: str, parsed: ParsedFile) -> None:
    """Add one record per RIS reference to ``parsed``."""
    parsed.records.extend(list(read_ris(iter_lines(text), parsed)))


def read_ris(lines: Iterable[tuple[int, str]], parsed: ParsedFile) -> Iterator[PaperRecord]:
    """Yield one record per RIS reference of ``(number, line)`` pairs, as each ends (sources.py streams)."""
    start = None
    tags: list[tuple[str, str]] = []
    tag_line = TAG_LINE
    for number, line in lines:
        yield from parsed.take_records()
        numbered = NUMBERED.match(line)
        if numbered and start is None:
            # EndNote numbers its references: "1." on a line of its own, or before the TY tag.
            line = line[numbered.end() :]
        match = tag_line.match(line)
        if match is None and start is None and (loose := LOOSE_TAG_LINE.match(line)) and loose[1] == "TY":
            match = loose
        tag = match[1] if match else None
        if tag == "TY":
            tag_line = TAG_LINE if TAG_LINE.match(line) else LOOSE_TAG_LINE
            if start is not None:
                parsed.error(start, "truncated record: no ER  - line before the next TY  -")
            start, tags = number, [("TY", (match[2] or "").strip())]
        elif start is None:
            if line.strip():
                parsed.error(number, "expected TY  - to start a RIS reference")
        elif tag == "ER":
            _add_reference(start, tags, parsed)
            start, tags = None, []
        elif tag is not None:
            tags.append((tag, (match[2] or "").strip()))
        elif line.strip() and tags:
            # A value continued on the next line.
            last_tag, value = tags[-1]
            tags[-1] = (last_tag, f"{value} {line.strip()}" if value else line.strip())
    if start is not None:
        parsed.error(start, "truncated record: no ER  - line at end of file")
    yield from parsed.take_records()


def _add_reference(line: int, pairs: list[tuple[str, str]], parsed: ParsedFile) -> None:
    tags: dict[str, list[str]] = {}
    for tag, value in pairs:
        if value:
            tags.setdefault(tag, []).append(value)
    try:
        arxiv_id = _reference_arxiv_id(tags)
    except InvalidArxivId as error:
        parsed.error(line, str(error))
        return
    first = _first(tags)
    kind = first("TY").upper()
    year, month = read_date(first("PY", "Y1"))
    date_year, date_month = read_date(first("DA"))
    raw_doi = first("DO")
    pmid, accession = _pmid(tags)
    extra = {"type": kind} if kind else {}
    for tag, name in EXTRA_TAGS.items():
        if value := clean_line(first(tag)):
            extra[name] = value
    # One keyword a KW line ("Neural Networks, Computer" is one); some tools join several with ";".
    keywords = [keyword for value in tags.get("KW", []) for keyword in read_keywords(value.split(";"))]
    if keywords:
        extra["keywords"] = list(dict.fromkeys(keywords))
    start_page, end_page = first("SP"), first("EP")
    if pages := (start_page if "-" in start_page and not end_page else page_range(start_page, end_page)):
        extra["pages"] = pages
    if serial := clean_line(first("SN")):
        extra["isbn" if kind in BOOK_TYPES else "issn"] = serial
    if notes := [clean_line(note) for note in tags.get("N1", [])]:
        extra["note"] = "\n".join(notes)
    if database := clean_line(first("DB", "DP")):
        extra["database"] = database
    if accession:
        extra["accession"] = accession
    urls = tags.get("UR", [])
    parsed.records.append(
        PaperRecord(
            arxiv_id=arxiv_id.canonical if arxiv_id else "",
            version=arxiv_id.version if arxiv_id else None,
            line=line,
            abstract=first("AB", "N2").strip(),
            title=clean_line(first(*TITLE_TAGS)),
            authors=[first_name_first(name) for name in tags.get("AU") or tags.get("A1") or [] if name.strip()],
            doi=read_doi(raw_doi, extra),
            pmid=pmid,
            url=read_url(urls[0]) if urls else "",
            venue=clean_line(first(*VENUE_TAGS)),
            year=year or date_year,
            month=month or date_month,
            extra=extra,
        )
    )


def _first(tags: dict[str, list[str]]):
    def first(*names: str) -> str:
        return next((tags[name][0] for name in names if tags.get(name)), "")

    return first


def _pmid(tags: dict[str, list[str]]) -> tuple[str, str]:
    """The reference's PubMed id, and its accession number when that is something else."""
    database = " ".join(tags.get("DB", []) + tags.get("DP", []))
    accession = (tags.get("AN") or [""])[0].strip()
    from_pubmed = bool(PUBMED_DATABASE.search(database))
    for tag in ("AN", "M1", "C1", "UR", "N1"):
        for value in tags.get(tag, []):
            value = value.strip()
            if BARE_PMID.match(value):
                # AN is the database's own number: PubMed's is the PMID, another database's is not.
                trusted = from_pubmed or tag == "AN" and not OTHER_DATABASES.search(database)
                if not trusted:
                    continue
            if pmid := normalize_pmid(value):
                return pmid, "" if accession == value else accession
    return "", accession


def _reference_arxiv_id(tags: dict[str, list[str]]):
    """The first arXiv id found, most trusted tag first, with the highest version any tag gives it.

    Zotero puts the bare id in DO and UR but the versioned one (``arXiv:2201.11903v6``) in M3 or N1.
    """
    found = None
    for tag in ID_TAGS:
        for value in tags.get(tag, []):
            if not (embedded := find_arxiv_id(value)):
                continue
            arxiv_id = parse_arxiv_id(embedded)
            if found is None or arxiv_id.canonical == found.canonical and is_newer(arxiv_id.version, found.version):
                found = arxiv_id
    return found
