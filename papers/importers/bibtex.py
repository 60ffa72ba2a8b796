"""BibTeX, as arXiv exports it (``@misc`` with ``eprint``) or as journals and Zotero do (``@article``)."""

import logging
from contextlib import contextmanager

import bibtexparser
from bibtexparser import middlewares

from ..arxiv_ids import InvalidArxivId, find_arxiv_id, looks_like_arxiv_id, parse_arxiv_id
from .merge import is_newer
from .records import PaperRecord, ParsedFile

# LaTeX decoding takes time that grows with the square of a field's length: a 9 MB abstract took nine minutes.
# This decodes in under a second and holds the longest real field, the author list of a 5,000-author paper.
MAX_DECODED_FIELD_LENGTH = 200_000
# Fields where an arXiv id hides in a URL, DOI or note, in the order we trust them.
EMBEDDING_FIELDS = ("url", "doi", "journal", "note", "howpublished", "arxivid", "eprint")


def parse_bibtex(text: str, parsed: ParsedFile) -> None:
    """Add one record per entry that names an arXiv paper; warn about (and skip) entries that name none."""
    with _quiet_bibtexparser():
        library = bibtexparser.parse_string(text)
        _drop_overlong_entries(library, parsed)
        for middleware in (
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
            middlewares.MergeNameParts(style="first"),
        ):
            library = middleware.transform(library)
    for block in library.failed_blocks:
        # bibtexparser counts lines from 0.
        # An aborted block's exception has no message of its own, only an abort_reason.
        reason = getattr(block.error, "abort_reason", "") or block.error
        parsed.error((block.start_line or 0) + 1, f"unparseable BibTeX entry: {reason}")
    for entry in library.entries:
        line = entry.start_line + 1
        fields = {key.lower(): value for key, value in ((f.key, f.value) for f in entry.fields)}
        try:
            arxiv_id = _entry_arxiv_id(fields)
        except InvalidArxivId as error:
            parsed.error(line, str(error))
            continue
        if arxiv_id is None:
            parsed.warn(line, f"skipped: no arXiv id (@{entry.entry_type}{{{entry.key}}})")
            continue
        parsed.records.append(
            PaperRecord(
                arxiv_id=arxiv_id.canonical,
                version=arxiv_id.version,
                line=line,
                abstract=_text(fields.get("abstract")).strip(),
                title=" ".join(_text(fields.get("title")).split()),
                authors=_authors(fields.get("author")),
                primary_category=_text(fields.get("primaryclass")).strip(),
                doi=_text(fields.get("doi")).strip(),
                url=_text(fields.get("url")).strip(),
            )
        )


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
    if not value:
        return []
    names = value if isinstance(value, list) else [value]
    return [" ".join(str(name).split()) for name in names if str(name).strip()]


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
