"""Crossref's REST API: one work a request, by DOI.

https://api.crossref.org/works/{doi}?mailto=… — the mailto puts the requests in Crossref's "polite" pool. It fills
titles, authors, the venue (container title), the year and month of publication, abstracts (JATS, made plain
text) and, in ``extra``, volume, issue, pages, publisher, ISSN and type. arXiv's own DOIs (10.48550) are
DataCite's, not Crossref's, so papers with only those are not asked about.
"""

import urllib.parse
from collections.abc import Sequence

from django.db.models import Q

from ..identity import normalize_doi
from ..importers.merge import ARXIV_DOI_PREFIX
from ..importers.records import PaperRecord
from ..models import Paper
from .client import FetchError, PoliteClient
from .source import Lookup, Source, one_line, plain_text, plausible_month, plausible_year, strings

API_URL = "https://api.crossref.org/works/"
# Crossref's dates, most telling first: the first publication, in print, online, then the "issued" summary.
DATE_FIELDS = ("published", "published-print", "published-online", "issued")


class CrossrefSource(Source):
    name = "crossref"
    interval = 1.0
    batch_size = 1
    fills = ("title", "abstract", "authors", "venue", "year", "month")

    def can_look_up(self) -> Q:
        return ~Q(doi="") & ~Q(doi__startswith=ARXIV_DOI_PREFIX)

    def look_up(self, client: PoliteClient, papers: Sequence[Paper]) -> Lookup:
        answers = {}
        for paper in papers:
            query = f"?{urllib.parse.urlencode({'mailto': client.mailto})}" if client.mailto else ""
            response = client.get(f"{API_URL}{doi_path(paper.doi)}{query}", "application/json")
            if response.status == 404:
                continue
            answers[paper.pk] = read_work(response.json())
        return answers


def doi_path(doi: str) -> str:
    """The DOI as Crossref's URLs write it (``10.1038/nature14539``), everything else a path treats specially
    escaped; a DOI with ``.`` or ``..`` segments has its slashes escaped too, so it cannot climb out of /works/."""
    segments = doi.split("/")
    return urllib.parse.quote(doi, safe="" if {".", ".."} & set(segments) else "/")


def read_work(document) -> PaperRecord:
    """The record of a Crossref ``work`` answer; raises FetchError when the answer is not one."""
    if not isinstance(document, dict) or document.get("message-type") != "work":
        raise FetchError("expected a Crossref work")
    work = document.get("message")
    if not isinstance(work, dict):
        raise FetchError("expected a Crossref work")
    year, month = _publication_date(work)
    return PaperRecord(
        doi=normalize_doi(work.get("DOI") if isinstance(work.get("DOI"), str) else ""),
        title=plain_text(next(iter(strings(work.get("title"))), "")),
        abstract=plain_text(work.get("abstract")),
        authors=_authors(work.get("author")),
        venue=plain_text(next(iter(strings(work.get("container-title"))), "")),
        year=year,
        month=month,
        extra={
            "volume": one_line(work.get("volume")),
            "issue": one_line(work.get("issue")),
            "pages": one_line(work.get("page")),
            "publisher": one_line(work.get("publisher")),
            "issn": strings(work.get("ISSN")),
            "type": one_line(work.get("type")),
        },
    )


def _authors(value) -> list[str]:
    names = []
    for author in value if isinstance(value, list) else []:
        if not isinstance(author, dict):
            continue
        family, given = one_line(author.get("family")), one_line(author.get("given"))
        name = f"{family}, {given}" if family and given else family or given or one_line(author.get("name"))
        if name:
            names.append(name)
    return names


def _publication_date(work: dict) -> tuple[int | None, int | None]:
    for name in DATE_FIELDS:
        parts = work.get(name, {}).get("date-parts") if isinstance(work.get(name), dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = plausible_year(parts[0][0])
            if year:
                return year, plausible_month(parts[0][1]) if len(parts[0]) > 1 else None
    return None, None
