"""Records from column-shaped sources (a JSONL object, a CSV row), which share their column names."""

from ..arxiv_ids import InvalidArxivId
from .fields import UnreadableValue, read_arxiv_id, read_authors, read_categories, read_id_text, read_text
from .records import PaperRecord, ParsedFile

REQUIRED_COLUMNS = ("arxiv_id", "abstract")


def record_from_row(row: dict, line: int, parsed: ParsedFile) -> PaperRecord | None:
    """Build a record from ``row``, or record an error on ``parsed`` and return None.

    ``arxiv_id`` and a non-blank ``abstract`` are required; ``title``, ``authors``, ``categories``,
    ``doi`` and ``url`` are optional; any other column is ignored.
    """
    try:
        raw_id = read_id_text(row.get("arxiv_id"), "arxiv_id").strip()
        abstract = read_text(row.get("abstract"), "abstract")
        title = read_text(row.get("title"), "title")
        authors = read_authors(row.get("authors"))
        categories = read_categories(row.get("categories"))
        doi = read_text(row.get("doi"), "doi").strip()
        url = read_text(row.get("url"), "url").strip()
    except UnreadableValue as error:
        parsed.error(line, str(error))
        return None
    if not raw_id:
        parsed.error(line, "missing arXiv id (column arxiv_id is empty)")
        return None
    try:
        arxiv_id = read_arxiv_id(raw_id)
    except InvalidArxivId as error:
        parsed.error(line, str(error))
        return None
    if not abstract.strip():
        # The parsed id, not the column: the column may be a long URL with anything around the id.
        parsed.error(line, f"missing abstract for {arxiv_id}")
        return None
    return PaperRecord(
        arxiv_id=arxiv_id.canonical,
        version=arxiv_id.version,
        line=line,
        abstract=abstract,
        title=" ".join(title.split()),
        authors=authors,
        primary_category=categories[0] if categories else "",
        doi=doi,
        url=url,
    )
