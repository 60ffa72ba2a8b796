"""arXiv's API: up to 100 papers a request by id, answered as an Atom feed.

https://export.arxiv.org/api/query?id_list=ID,ID,…&max_results=N — arXiv asks for one request every three
seconds. It fills titles, abstracts, authors, the primary category (and every category, in ``extra``), the
journal DOI and the journal reference (as the venue). It does not fill year or month: an arXiv paper's month
comes from its id already, and its year of publication in a journal is Crossref's or OpenAlex's to say.
"""

import urllib.parse
from collections.abc import Sequence

from django.db.models import Q

from ..arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..identity import normalize_doi
from ..importers.records import PaperRecord
from ..models import Paper
from .client import FetchError, PoliteClient
from .source import Lookup, Source, one_line

API_URL = "https://export.arxiv.org/api/query"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
ERROR_ID_PREFIX = "http://arxiv.org/api/errors"


class ArxivSource(Source):
    name = "arxiv"
    interval = 3.0
    batch_size = 100
    fills = ("title", "abstract", "authors", "primary_category", "doi", "venue")

    def can_look_up(self) -> Q:
        return ~Q(arxiv_id="")

    def look_up(self, client: PoliteClient, papers: Sequence[Paper]) -> Lookup:
        ids = [paper.arxiv_id for paper in papers]
        query = urllib.parse.urlencode({"id_list": ",".join(ids), "max_results": len(ids)}, safe=",/")
        response = client.get(f"{API_URL}?{query}", accept="application/atom+xml")
        if response.status == 404:
            # A query URL that is not there says nothing about the papers: the API has moved or is broken.
            raise FetchError("HTTP 404 for the query URL")
        records = read_feed(response.xml())
        by_id = {paper.arxiv_id: paper.pk for paper in papers}
        return {by_id[arxiv_id]: record for arxiv_id, record in records.items() if arxiv_id in by_id}


def read_feed(feed) -> dict[str, PaperRecord | str]:
    """The feed's entries by canonical arXiv id: a record, or why the entry could not be read.

    Raises FetchError when the document is not an arXiv feed, or is arXiv's error feed.
    """
    if feed.tag != f"{ATOM}feed":
        raise FetchError(f"expected an Atom feed, got <{feed.tag[:60]}>")
    entries = {}
    for entry in feed.iter(f"{ATOM}entry"):
        entry_id = (entry.findtext(f"{ATOM}id") or "").strip()
        if entry_id.startswith(ERROR_ID_PREFIX):
            raise FetchError(f"arXiv refused the request: {one_line(entry.findtext(f'{ATOM}summary'))[:200]}")
        try:
            arxiv_id = parse_arxiv_id(entry_id.rsplit("/abs/", 1)[-1])
        except InvalidArxivId:
            continue
        entries[arxiv_id.canonical] = read_entry(entry, arxiv_id.version)
    return entries


def read_entry(entry, version: int | None) -> PaperRecord:
    title = one_line(entry.findtext(f"{ATOM}title"))
    abstract = (entry.findtext(f"{ATOM}summary") or "").strip()
    authors = [name for author in entry.iter(f"{ATOM}author") if (name := one_line(author.findtext(f"{ATOM}name")))]
    primary = entry.find(f"{ARXIV}primary_category")
    categories = [term for category in entry.iter(f"{ATOM}category") if (term := one_line(category.get("term")))]
    return PaperRecord(
        version=version,
        title=title,
        abstract=abstract,
        authors=authors,
        primary_category=one_line(primary.get("term")) if primary is not None else "",
        doi=normalize_doi(one_line(entry.findtext(f"{ARXIV}doi"))),
        venue=one_line(entry.findtext(f"{ARXIV}journal_ref")),
        extra={"categories": categories, "comment": one_line(entry.findtext(f"{ARXIV}comment"))},
    )
