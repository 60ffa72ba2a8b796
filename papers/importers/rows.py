"""Records from column-shaped sources (a JSONL object, a CSV row), which share their column names.

One table maps the column names of the tools reviews export from — ASReview, Rayyan, Scopus, Embase, Web of
Science (whose exports use two-letter field tags as headers), Zotero — to what a record keeps. Names are
compared stripped and in lower case; any other column is ignored (ASReview's label columns among them).
"""

import re

from ..arxiv_ids import InvalidArxivId
from ..identity import normalize_pmid
from .fields import (
    UnreadableValue,
    clean_line,
    first_name_first,
    page_range,
    read_arxiv_id,
    read_authors,
    read_categories,
    read_date,
    read_doi,
    read_id_text,
    read_keywords,
    read_month,
    read_text,
    read_url,
    read_year,
)
from .json_text import json_kind
from .records import PaperRecord, ParsedFile

# For each thing a record keeps, the column names that hold it, the better first: the first non-empty one is read
# (keyword columns are all read). Two-letter Web of Science tags are listed apart: in other tables "id" or "is"
# are no such thing.
COLUMNS = {
    "arxiv_id": ("arxiv_id", "arxiv id", "arxiv"),
    "doi": ("doi",),
    "pmid": ("pmid", "pubmed_id", "pubmed id", "medline pmid"),
    "title": ("title", "article title", "document title", "primary_title"),
    "abstract": ("abstract", "abstract note"),
    "authors": ("author full names", "authors", "author names", "author"),
    "categories": ("categories",),
    "venue": ("venue", "journal", "source title", "publication title", "journal/book", "source", "secondary_title"),
    "year": ("year", "publication year", "publication_year"),
    "month": ("month", "publication month"),
    # A whole date ("2019-01-15", "2019/01", "MAR 15 2019"): year and month when no column gives them apart.
    "date": ("date", "publication date"),
    "url": ("url", "link"),
    "keywords": ("keywords", "author keywords", "manual tags"),
    "index_terms": (
        "index keywords",
        "keywords plus",
        "emtree drug index terms",
        "emtree medical index terms",
        "automatic tags",
    ),
    "volume": ("volume",),
    "issue": ("issue", "number"),
    "pages": ("pages",),
    "page_start": ("page start", "first page", "start page"),
    "page_end": ("page end", "last page", "end page"),
    "publisher": ("publisher",),
    "issn": ("issn",),
    "isbn": ("isbn",),
    "language": ("language", "language of original document", "language of article"),
    "type": ("document type", "publication type", "item type", "type"),
    "note": ("notes", "note"),
    "record_id": ("record_id",),
    "accession": ("eid", "ut (unique wos id)", "accession number", "embase accession id"),
    "pmcid": ("pmc_id", "pmcid"),
    "database": ("database",),
}
WOS_TAGS = {
    "title": ("ti",),
    "abstract": ("ab",),
    "authors": ("af", "au"),
    "venue": ("so",),
    "year": ("py",),
    "month": ("pd",),
    "doi": ("di",),
    "pmid": ("pm",),
    "keywords": ("de",),
    "index_terms": ("id",),
    "volume": ("vl",),
    "issue": ("is",),
    "page_start": ("bp",),
    "page_end": ("ep",),
    "publisher": ("pu",),
    "issn": ("sn",),
    "isbn": ("bn",),
    "language": ("la",),
    "type": ("dt",),
    "accession": ("ut",),
}
# Every column name any export is recognised by (detect.py reads a CSV header against it).
KNOWN_COLUMNS = frozenset(name for names in COLUMNS.values() for name in names)
WOS_COLUMNS = frozenset(tag for tags in WOS_TAGS.values() for tag in tags)
# A table must have at least one column naming a title or an abstract.
TEXT_COLUMNS = (*COLUMNS["title"], *COLUMNS["abstract"])
WOS_TEXT_COLUMNS = ("ti", "ab")
# Scopus ends each full name with its author id: "Vaswani, Ashish (57195636210)".
AUTHOR_ID = re.compile(r"\s*\(\d+\)$")
# A JSONL record's own "extra" object (as an export of this app writes it) may nest this deep.
MAX_EXTRA_DEPTH = 10
EXTRA_TEXT = (
    "volume",
    "issue",
    "publisher",
    "issn",
    "isbn",
    "language",
    "type",
    "note",
    "record_id",
    "accession",
    "database",
)


def is_wos_header(columns) -> bool:
    """Whether a header uses Web of Science's two-letter tags (it always has UT, the accession number)."""
    columns = set(columns)
    return "ut" in columns or {"pt", "ti"} <= columns


def column_map(columns, wos: bool | None = None) -> dict[str, list[str]]:
    """For each thing a record keeps, the columns of this table that hold it, the better first."""
    columns = list(columns)
    if wos is None:
        wos = is_wos_header(columns)
    present = set(columns)
    # Scopus: "Source title" is the journal, "Source" the database ("Scopus"). In Embase "Source" is the journal.
    scopus_source = "source title" in present and "source" in present
    present.discard("source" if scopus_source else "")
    mapping = {}
    for name, aliases in COLUMNS.items():
        found = [alias for alias in (*(WOS_TAGS.get(name, ()) if wos else ()), *aliases) if alias in present]
        if found:
            mapping[name] = found
    if scopus_source:
        mapping.setdefault("database", []).append("source")
    return mapping


def has_text_column(columns) -> bool:
    columns = set(columns)
    return bool(columns & set(TEXT_COLUMNS)) or is_wos_header(columns) and bool(columns & set(WOS_TEXT_COLUMNS))


def record_from_row(row: dict, line: int, parsed: ParsedFile, mapping: dict | None = None) -> PaperRecord | None:
    """Build a record from ``row`` (column name → value), or record an error on ``parsed`` and return None.

    Every column is optional, but a record needs a title or an abstract, and an arXiv id given must be valid.
    ``mapping`` is column_map of the row's columns, computed once a table (else for this row).
    """
    if mapping is None:
        row = {str(key).strip().lower(): value for key, value in row.items()}
        mapping = column_map(row)
    try:
        values = _RowValues(row, mapping)
        raw_id = read_id_text(values.first("arxiv_id"), "arxiv_id").strip()
        abstract = read_text(values.first("abstract"), "abstract")
        title = read_text(values.first("title"), "title")
        authors = [_author_name(name) for name in read_authors(values.first("authors"))]
        categories = read_categories(values.first("categories"))
        raw_doi = read_text(values.first("doi"), "doi").strip()
        pmid = normalize_pmid(read_id_text(values.first("pmid"), "pmid").strip())
        url = read_url(read_text(values.first("url"), "url"))
        venue = clean_line(read_text(values.first("venue"), "venue"))
        year = read_year(values.first("year"))
        month = read_month(values.first("month"))
        if "date" in mapping and (year is None or month is None):
            date_year, date_month = read_date(read_text(values.first("date"), "date"))
            year, month = year or date_year, month or date_month
        extra = _extra(values, row.get("extra"), categories)
    except UnreadableValue as error:
        parsed.error(line, str(error))
        return None
    arxiv_id = None
    if raw_id:
        try:
            arxiv_id = read_arxiv_id(raw_id)
        except InvalidArxivId as error:
            parsed.error(line, str(error))
            return None
    if not abstract.strip() and not title.strip():
        # The parsed id, not the column: the column may be a long URL with anything around the id.
        named = f" for {arxiv_id}" if arxiv_id else ""
        parsed.error(line, f"missing title and abstract{named}")
        return None
    return PaperRecord(
        arxiv_id=arxiv_id.canonical if arxiv_id else "",
        version=arxiv_id.version if arxiv_id else None,
        line=line,
        abstract=abstract,
        title=" ".join(title.split()),
        authors=authors,
        primary_category=categories[0] if categories else "",
        doi=read_doi(raw_doi, extra),
        url=url,
        pmid=pmid,
        venue=venue,
        year=year,
        month=month,
        extra=extra,
    )


class _RowValues:
    def __init__(self, row: dict, mapping: dict):
        self.row = row
        self.mapping = mapping

    def first(self, name: str):
        """The first non-empty value of the columns holding ``name`` (None if there is none)."""
        for column in self.mapping.get(name, ()):
            value = self.row.get(column)
            if value is not None and value != "":
                return value
        return None

    def every(self, name: str):
        return [value for column in self.mapping.get(name, ()) if (value := self.row.get(column)) not in (None, "")]


def _too_deep(value) -> bool:
    """Whether ``value`` nests lists and objects more than MAX_EXTRA_DEPTH deep (found without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_EXTRA_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _author_name(name: str) -> str:
    return first_name_first(AUTHOR_ID.sub("", name))


def _extra(values: _RowValues, given, categories: list[str]) -> dict:
    if given is not None and not isinstance(given, dict):
        raise UnreadableValue(f"extra must be a JSON object, found {json_kind(given)}")
    if given and _too_deep(given):
        # Everything that reads extra later (the database, exports, merges) recurses through it.
        raise UnreadableValue(f"extra is nested more than {MAX_EXTRA_DEPTH} levels deep")
    extra = dict(given) if given else {}
    mapped = values.mapping
    # Only the columns this table has are read: most tables (and every arXiv JSONL) have none of them.
    for name in EXTRA_TEXT:
        if name in mapped and (value := clean_line(read_text(values.first(name), name))):
            extra[name] = value
    for name in ("keywords", "index_terms"):
        if name not in mapped:
            continue
        keywords = []
        for value in values.every(name):
            if not isinstance(value, (str, list)):
                raise UnreadableValue(f"{name} must be text or a list of text")
            keywords += [keyword for keyword in read_keywords(value) if keyword not in keywords]
        if keywords:
            extra[name] = keywords
    if {"pages", "page_start", "page_end"} & mapped.keys():
        pages = clean_line(read_text(values.first("pages"), "pages"))
        start = read_text(values.first("page_start"), "page start")
        end = read_text(values.first("page_end"), "page end")
        if pages or start or end:
            extra["pages"] = pages or page_range(start, end)
    if "pmcid" in mapped and (pmcid := clean_line(read_text(values.first("pmcid"), "pmcid"))):
        extra["pmcid"] = pmcid
    if len(categories) > 1:
        extra["categories"] = categories
    return extra
