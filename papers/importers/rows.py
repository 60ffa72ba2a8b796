"""Records from column-shaped sources (a JSONL object, a CSV row), which share their column names."""

from ..arxiv_ids import InvalidArxivId
from ..identity import normalize_doi, normalize_pmid
from .fields import UnreadableValue, read_arxiv_id, read_authors, read_categories, read_id_text, read_text, read_year
from .records import PaperRecord, ParsedFile

# A table must have at least one of these columns; each record needs a title or an abstract.
TEXT_COLUMNS = ("title", "abstract")


def record_from_row(row: dict, line: int, parsed: ParsedFile) -> PaperRecord | None:
    """Build a record from ``row``, or record an error on ``parsed`` and return None.

    Every column is optional (``arxiv_id``, ``doi``, ``pmid``, ``title``, ``abstract``, ``authors``,
    ``categories``, ``venue``, ``year``, ``url``), but a record needs a title or an abstract; an ``arxiv_id``
    given must be valid. Any other column is ignored.
    """
    try:
        raw_id = read_id_text(row.get("arxiv_id"), "arxiv_id").strip()
        abstract = read_text(row.get("abstract"), "abstract")
        title = read_text(row.get("title"), "title")
        authors = read_authors(row.get("authors"))
        categories = read_categories(row.get("categories"))
        raw_doi = read_text(row.get("doi"), "doi").strip()
        pmid = normalize_pmid(read_id_text(row.get("pmid"), "pmid").strip())
        url = read_text(row.get("url"), "url").strip()
        venue = " ".join(read_text(row.get("venue"), "venue").split())
        year = read_year(row.get("year"))
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
        doi=normalize_doi(raw_doi) or raw_doi,
        url=url,
        pmid=pmid,
        venue=venue,
        year=year,
    )
