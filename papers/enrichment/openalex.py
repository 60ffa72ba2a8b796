"""OpenAlex: up to 50 works a request, by DOI or PubMed id.

https://api.openalex.org/works?filter=doi:A|B|…&per-page=50&select=… — a paper with only an arXiv id is asked for
by arXiv's DOI for it (10.48550/arxiv.ID), which OpenAlex indexes. It fills titles, authors, the venue (the
primary location's source, unless that is a repository such as arXiv itself), year and month, abstracts
(rebuilt from OpenAlex's inverted index), the DOI and the PubMed id, and in ``extra`` the OpenAlex id, volume,
issue, pages, type and language. OpenAlex counts filter requests against a daily allowance, larger with a free
API key (``--openalex-key`` or ``OPENALEX_API_KEY``); a DOI that cannot go in a filter is asked for alone.
"""

import urllib.parse
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Q

from ..identity import normalize_doi, normalize_pmid
from ..importers.merge import ARXIV_DOI_PREFIX
from ..importers.records import PaperRecord
from ..models import Paper
from .client import FetchError, PoliteClient
from .crossref import doi_path
from .source import Lookup, Source, one_line, plausible_month, plausible_year

API_URL = "https://api.openalex.org/works"
SELECTED = (
    "id,doi,ids,title,display_name,publication_year,publication_date,authorships,primary_location,"
    "abstract_inverted_index,biblio,type,language"
)
# No abstract has this many words; an index claiming more is refused rather than rebuilt.
MAX_ABSTRACT_WORDS = 20_000
# OpenAlex's largest page.
MAX_PER_PAGE = 200
# "|" separates a filter's values and "," filters: a DOI holding either is asked for on its own.
FILTER_SEPARATORS = ("|", ",")


class OpenAlexSource(Source):
    name = "openalex"
    interval = 0.5
    batch_size = 50
    fills = ("title", "abstract", "authors", "venue", "year", "month", "doi", "pmid")

    def __init__(self, api_key: str = ""):
        self.api_key = api_key

    def can_look_up(self) -> Q:
        return ~Q(doi="") | ~Q(arxiv_id="") | ~Q(pmid="")

    def look_up(self, client: PoliteClient, papers: Sequence[Paper]) -> Lookup:
        by_doi, by_pmid = defaultdict(list), defaultdict(list)
        for paper in papers:
            if doi := lookup_doi(paper):
                by_doi[doi].append(paper.pk)
            elif paper.pmid:
                by_pmid[paper.pmid].append(paper.pk)
        answers: Lookup = {}
        batchable = [doi for doi in by_doi if not any(mark in doi for mark in FILTER_SEPARATORS)]
        works = []
        if batchable:
            works += self._filtered(client, "doi", batchable)
        if by_pmid:
            works += self._filtered(client, "ids.pmid", list(by_pmid))
        for doi in by_doi.keys() - set(batchable):
            works += self._single(client, doi)
        for work in works:
            if not isinstance(work, dict):
                continue
            record = read_work(work)
            ids = work.get("ids") if isinstance(work.get("ids"), dict) else {}
            pmid = normalize_pmid(ids.get("pmid")) if isinstance(ids.get("pmid"), str) else ""
            for pk in by_doi.get(record.doi, []) + by_pmid.get(pmid, []):
                answers[pk] = record
        return answers

    def _filtered(self, client: PoliteClient, name: str, values: list[str]) -> list:
        # Room for two works a DOI: OpenAlex sometimes holds a work twice, and the first page is all we read.
        per_page = min(MAX_PER_PAGE, 2 * len(values))
        parameters = {"filter": f"{name}:{'|'.join(values)}", "per-page": per_page, "select": SELECTED}
        response = client.get(self._url(API_URL, parameters, client), "application/json")
        if response.status == 404:
            # The list endpoint answers an empty list for unknown DOIs; a 404 means the API itself is not there.
            raise FetchError("HTTP 404 for the list URL")
        document = response.json()
        results = document.get("results") if isinstance(document, dict) else None
        if not isinstance(results, list):
            raise FetchError("expected an OpenAlex list of works")
        return results

    def _single(self, client: PoliteClient, doi: str) -> list:
        url = self._url(f"{API_URL}/doi:{doi_path(doi)}", {"select": SELECTED}, client)
        response = client.get(url, "application/json")
        return [] if response.status == 404 else [response.json()]

    def _url(self, base: str, parameters: dict, client: PoliteClient) -> str:
        if client.mailto:
            parameters["mailto"] = client.mailto
        if self.api_key:
            parameters["api_key"] = self.api_key
        return f"{base}?{urllib.parse.urlencode(parameters, safe=':|,/')}"


def lookup_doi(paper: Paper) -> str:
    """The DOI OpenAlex knows the paper by: its own, else arXiv's DOI for its arXiv id."""
    if paper.doi:
        return paper.doi
    return f"{ARXIV_DOI_PREFIX}{paper.arxiv_id.lower()}" if paper.arxiv_id else ""


def read_work(work: dict) -> PaperRecord:
    ids = work.get("ids") if isinstance(work.get("ids"), dict) else {}
    year = plausible_year(work.get("publication_year"))
    date = work.get("publication_date") if isinstance(work.get("publication_date"), str) else ""
    month = plausible_month(int(date[5:7])) if year and date[:4] == str(year) and date[5:7].isdigit() else None
    biblio = work.get("biblio") if isinstance(work.get("biblio"), dict) else {}
    first, last = one_line(biblio.get("first_page")), one_line(biblio.get("last_page"))
    openalex_id = one_line(work.get("id")).rsplit("/", 1)[-1]
    return PaperRecord(
        doi=normalize_doi(one_line(work.get("doi"))),
        pmid=normalize_pmid(one_line(ids.get("pmid"))),
        title=one_line(work.get("title")) or one_line(work.get("display_name")),
        abstract=abstract_from_index(work.get("abstract_inverted_index")),
        authors=_authors(work.get("authorships")),
        venue=_venue(work.get("primary_location")),
        year=year,
        month=month,
        extra={
            "openalex": openalex_id,
            "volume": one_line(biblio.get("volume")),
            "issue": one_line(biblio.get("issue")),
            "pages": f"{first}-{last}" if first and last and first != last else first,
            "type": one_line(work.get("type")),
            "language": one_line(work.get("language")),
        },
    )


def abstract_from_index(index) -> str:
    """The abstract an inverted index (word → positions) stands for; ``""`` for a missing or malformed one.

    Positions are sorted rather than used as list offsets, so a hostile position (10**12) costs nothing.
    """
    if not isinstance(index, dict):
        return ""
    placed = []
    for word, positions in index.items():
        if not isinstance(positions, list):
            return ""
        for position in positions:
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                return ""
            placed.append((position, word))
            if len(placed) > MAX_ABSTRACT_WORDS:
                return ""
    return " ".join(word for _, word in sorted(placed))


def _authors(authorships) -> list[str]:
    names = []
    for authorship in authorships if isinstance(authorships, list) else []:
        if not isinstance(authorship, dict):
            continue
        author = authorship.get("author") if isinstance(authorship.get("author"), dict) else {}
        if name := one_line(author.get("display_name")) or one_line(authorship.get("raw_author_name")):
            names.append(name)
    return names


def _venue(location) -> str:
    source = location.get("source") if isinstance(location, dict) else None
    if not isinstance(source, dict) or source.get("type") == "repository":
        return ""
    return one_line(source.get("display_name"))
