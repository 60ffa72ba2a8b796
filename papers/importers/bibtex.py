"""BibTeX, as arXiv exports it (``@misc`` with ``eprint``) or as journals, Zotero and JabRef do (``@article``)."""

import logging
from contextlib import contextmanager

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
from bibtexparser.middlewares.parsestack import default_parse_stack
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, Field, String

from ..arxiv_ids import InvalidArxivId, find_arxiv_id, looks_like_arxiv_id, parse_arxiv_id
from ..identity import normalize_pmid
from .fields import clean_line, read_categories, read_date, read_doi, read_keywords, read_month, read_url, read_year
from .merge import is_newer
from .records import PaperRecord, ParsedFile

# LaTeX decoding takes time that grows with the square of a field's length: a 9 MB abstract took nine minutes.
# This decodes in under a second and holds the longest real field, the author list of a 5,000-author paper.
MAX_DECODED_FIELD_LENGTH = 200_000
# Fields where an arXiv id hides in a URL, DOI or note, in the order we trust them.
EMBEDDING_FIELDS = ("url", "doi", "journal", "note", "howpublished", "arxivid", "eprint")
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "series")
PMID_FIELDS = ("pmid", "pubmed", "pubmedid", "url", "note")
# Kept in the paper's extra as they are (the name on the left, in the entry; on the right, in extra).
EXTRA_FIELDS = {
    "volume": "volume",
    "number": "issue",
    "issue": "issue",
    "pages": "pages",
    "publisher": "publisher",
    "issn": "issn",
    "isbn": "isbn",
    "language": "language",
    "langid": "language",
    "note": "note",
    "annote": "annotation",
    "edition": "edition",
    "editor": "editor",
    "address": "address",
    "organization": "organization",
    "institution": "institution",
    "school": "school",
    "howpublished": "howpublished",
    "pmcid": "pmcid",
}


def parse_bibtex(text: str, parsed: ParsedFile) -> None:
    """Add one record per entry, with or without an arXiv id.

    Messy libraries import: an entry whose citation key or field repeats is read anyway (and noted), an author
    name that cannot be split is kept as written, ``primaryClass = {cs.LG stat.ML}`` gives every category.
    """
    with _quiet_bibtexparser():
        library = bibtexparser.parse_string(text)
        original_keys = _recover_repeats(library, parsed)
        _drop_overlong_entries(library, parsed)
        for middleware in (middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()):
            library = middleware.transform(library)
    for block in library.failed_blocks:
        # bibtexparser counts lines from 0.
        # An aborted block's exception has no message of its own, only an abort_reason.
        reason = getattr(block.error, "abort_reason", "") or block.error
        parsed.error((block.start_line or 0) + 1, f"unparseable BibTeX entry: {reason}")
    for entry in sorted(library.entries, key=lambda entry: entry.start_line):
        if record := _record(entry, original_keys.get(id(entry), entry.key), parsed):
            parsed.records.append(record)


def _record(entry: Entry, key: str, parsed: ParsedFile) -> PaperRecord | None:
    line = entry.start_line + 1
    fields = {field.key.lower(): field.value for field in entry.fields}
    try:
        arxiv_id = _entry_arxiv_id(fields)
    except InvalidArxivId as error:
        parsed.error(line, str(error))
        return None
    categories = read_categories(_text(fields.get("primaryclass")))
    year, month = read_date(_text(fields.get("date")))
    raw_doi = _text(fields.get("doi")).strip()
    extra = {"type": entry.entry_type.lower(), "citation_key": key}
    for name, extra_name in EXTRA_FIELDS.items():
        if (value := clean_line(_text(fields.get(name)))) and extra_name not in extra:
            extra[extra_name] = value
    if keywords := read_keywords(_text(fields.get("keywords"))):
        extra["keywords"] = keywords
    if len(categories) > 1:
        extra["categories"] = categories
    return PaperRecord(
        arxiv_id=arxiv_id.canonical if arxiv_id else "",
        version=arxiv_id.version if arxiv_id else None,
        line=line,
        abstract=_text(fields.get("abstract")).strip(),
        title=clean_line(_text(fields.get("title"))),
        authors=_authors(fields.get("author")),
        primary_category=categories[0] if categories else "",
        doi=read_doi(raw_doi, extra),
        pmid=next((pmid for name in PMID_FIELDS if (pmid := normalize_pmid(_text(fields.get(name))))), ""),
        url=read_url(_text(fields.get("url"))),
        venue=_venue(fields),
        year=read_year(_text(fields.get("year"))) or year,
        month=read_month(_text(fields.get("month"))) or month,
        extra=extra,
    )


def _venue(fields: dict) -> str:
    for name in VENUE_FIELDS:
        venue = clean_line(_text(fields.get(name)))
        # "arXiv preprint arXiv:1810.04805" or Semantic Scholar's "ArXiv" name a repository, not a venue.
        if venue and not venue.lower().startswith("arxiv"):
            return venue
    return ""


def _recover_repeats(library: Library, parsed: ParsedFile) -> dict[int, str]:
    """Put entries bibtexparser set aside for a repeated citation key or field back in the library.

    Returns the citation key of each entry renamed to be unique, by the entry's id().
    """
    recovered = []
    for block in list(library.failed_blocks):
        entry = block.ignore_error_block
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(entry, String):
            first = (block.previous_block.start_line or 0) + 1
            parsed.note(line, f"@string {entry.key!r} defined again (first at line {first}): the first is used")
            library.remove(block)
            continue
        if not isinstance(entry, Entry):
            continue
        if isinstance(block, DuplicateBlockKeyBlock):
            first = (block.previous_block.start_line or 0) + 1
            parsed.note(line, f"citation key {entry.key!r} again (first at line {first}): read as another entry")
        elif isinstance(block, DuplicateFieldKeyBlock):
            repeated = ", ".join(sorted(block.duplicate_keys))
            parsed.note(line, f"field(s) {repeated} given twice in @{entry.entry_type}{{{entry.key}}}: values joined")
            entry.fields = _joined_fields(entry.fields)
        else:
            continue
        library.remove(block)
        recovered.append(entry)
    if not recovered:
        return {}
    # The parse stack (string macros, enclosing braces) never ran on the entries set aside.
    side = Library(blocks=[*library.strings, *recovered])
    for middleware in default_parse_stack():
        side = middleware.transform(side)
    original_keys = {}
    taken = {entry.key for entry in library.entries}
    for entry in side.entries:
        original = entry.key
        entry.key = _unique_key(original, entry.start_line + 1, taken)
        taken.add(entry.key)
        library.add(entry)
        original_keys[id(entry)] = original
    return original_keys


def _joined_fields(fields: list[Field]) -> list[Field]:
    joined: dict[str, Field] = {}
    for field in fields:
        name = field.key.lower()
        if name in joined:
            separator = ", " if name == "keywords" else "; "
            previous = joined[name]
            previous.value = f"{_strip_braces(previous.value)}{separator}{_strip_braces(field.value)}"
        else:
            joined[name] = field
    return list(joined.values())


def _strip_braces(value) -> str:
    text = _text(value).strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text.strip('"')


def _unique_key(key: str, line: int, taken: set[str]) -> str:
    candidate = f"{key} (line {line})"
    while candidate in taken:
        candidate += "'"
    return candidate


def _drop_overlong_entries(library, parsed: ParsedFile) -> None:
    """Refuse entries with a field too long to decode, before it is decoded."""
    for entry in library.entries:
        for field in entry.fields:
            if isinstance(field.value, str) and len(field.value) > MAX_DECODED_FIELD_LENGTH:
                name = f"@{entry.entry_type}{{{entry.key}}}"
                limit = MAX_DECODED_FIELD_LENGTH
                parsed.error(entry.start_line + 1, f"{field.key} of {name} is longer than {limit} characters")
                library.remove(entry)
                break


def _entry_arxiv_id(fields: dict):
    """The entry's arXiv id: its eprint if declared, else the first one embedded in a URL, DOI or note.

    A versioned id elsewhere in the entry (``url = {https://arxiv.org/abs/2201.11903v6}``) supplies
    the version when it names the same paper.
    """
    eprint = _text(fields.get("eprint")).strip()
    prefix = (_text(fields.get("archiveprefix")) or _text(fields.get("eprinttype"))).strip().lower()
    found = None
    if eprint and (prefix == "arxiv" or looks_like_arxiv_id(eprint)):
        # An eprint declared as arXiv (or shaped like one) must be valid: it is the entry's identity.
        found = parse_arxiv_id(eprint)
    for name in EMBEDDING_FIELDS:
        if embedded := find_arxiv_id(_text(fields.get(name))):
            arxiv_id = parse_arxiv_id(embedded)
            if found is None or arxiv_id.canonical == found.canonical and is_newer(arxiv_id.version, found.version):
                found = arxiv_id
    return found


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _authors(value) -> list[str]:
    """Names as "First von Last, Jr."; a name bibtexparser cannot split (three commas) is kept as written.

    BibTeX's ``and others`` (et al.) names no one.
    """
    if not value:
        return []
    names = []
    for name in value if isinstance(value, list) else [value]:
        written = " ".join(str(name).split())
        if not written or written == "others":
            continue
        try:
            merged = parse_single_name_into_parts(written).merge_first_name_first
        except InvalidNameError:
            merged = written
        names.append(" ".join(merged.split()) or written)
    return names


@contextmanager
def _quiet_bibtexparser():
    # bibtexparser logs every syntax error itself; we report them as FILE:LINE problems instead.
    logger = logging.getLogger("bibtexparser")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)
