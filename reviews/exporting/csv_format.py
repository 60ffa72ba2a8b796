"""CSV: one row per paper, for spreadsheets and ASReview.

The label column is ``included`` (1 include, 0 exclude, empty otherwise), one of the names ASReview LAB reads
as a label ("included" or "label", with title, abstract, authors, doi, keywords and url among its known columns).
Each screener gets ``decision_<username>``, ``reason_<username>`` and ``score_<username>``.

Formula injection (OWASP "CSV Injection", ASVS 1.2.10): a spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and, in some, a tab, carriage return or NUL before one) as a formula. Any titles, abstracts, tags
and comments can come from anyone, so every text cell that starts with one of those characters gets a leading
apostrophe, which spreadsheets take as "this is text". A program reading the file sees the apostrophe.
"""

import csv
import io
from collections.abc import Iterator

from .rows import Export, ExportRow
from .words import comment_lines, extra_keywords, paper_month

EXTENSION = "csv"
CONTENT_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = frozenset("=+-@\t\r\0")
PAPER_COLUMNS = [
    "key", "arxiv_id", "doi", "pmid", "title", "abstract", "authors", "year", "month", "venue", "url", "keywords",
]  # fmt: skip
TEAM_COLUMNS = ["team_status", "final_decision", "final_reason", "included"]
INCLUDED = {"include": "1", "exclude": "0"}


def safe_cell(value):
    """The value as a cell no spreadsheet will run as a formula (numbers and None as they are)."""
    if value.__class__ is not str:
        return value
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def header(screeners: list[str]) -> list[str]:
    per_screener = [f"{field}_{username}" for username in screeners for field in ("decision", "reason", "score")]
    return [*PAPER_COLUMNS, *TEAM_COLUMNS, *per_screener, "tags", "comments"]


def cells(row: ExportRow, screeners: list[str]) -> list:
    paper = row.paper
    decisions = {decision.user: decision for decision in row.decisions}
    scores = {score.user: score.value for score in row.scores}
    values = [
        paper.key, paper.versioned_id if paper.arxiv_id else "", paper.doi, paper.pmid, paper.title, paper.abstract,
        "; ".join(paper.authors), paper.published_year, paper_month(paper), paper.venue, paper.source_url,
        "; ".join(extra_keywords(paper)),
        row.team_status, row.final_decision, row.final_reason, INCLUDED.get(row.final_decision or "", ""),
    ]  # fmt: skip
    for username in screeners:
        decision = decisions.get(username)
        values += [
            decision.decision if decision else "",
            decision.reason or "" if decision else "",
            scores.get(username, ""),
        ]
    values += ["; ".join(row.tag_names()), "\n".join(comment_lines(row))]
    return [safe_cell(value) for value in values]


def write(export: Export) -> Iterator[str]:
    """The file, a header then one piece per chunk of papers."""
    screeners = export.screeners()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(screeners))
    yield buffer.getvalue()
    for chunk in export.chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(cells(row, screeners) for row in chunk)
        yield buffer.getvalue()
