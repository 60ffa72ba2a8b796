import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, models
from django.db.models import F, Q, Value
from django.db.models.functions import Replace

from .search import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    SEARCH_CONFIG,
    parse_search_terms,
    uses_full_text_search,
    websearch_text,
)

# What a paper's key can look like (config/converters.py's ArxivIdConverter); nothing else reaches a lookup.
KEY_SHAPE = re.compile(r"[-A-Za-z0-9./]{1,40}")
CATEGORY_SKIP_SCAN = """
WITH RECURSIVE category(name) AS (
    SELECT min(primary_category) FROM papers_paper WHERE primary_category > ''
    UNION ALL
    SELECT (SELECT min(primary_category) FROM papers_paper WHERE primary_category > category.name)
    FROM category WHERE category.name IS NOT NULL
)
SELECT name FROM category WHERE name IS NOT NULL
"""


def search_queryset(queryset, text: str, paper_path: str = "", *, ranked: bool = True):
    """Filter ``queryset`` to rows whose paper matches a web-style query (``"exact phrase" -excluded``).

    ``paper_path`` leads from the queryset's model to the Paper (``"paper__"`` from a review's rows).
    PostgreSQL uses the stored, GIN-indexed tsvector and, if ``ranked``, annotates ``rank`` (ts_rank) and
    ``headline`` (ts_headline with highlight marks), ordering best match first. Elsewhere each term
    must appear in the title or abstract (case-insensitive substring) and the order is unchanged.
    Any text is a valid query: one without a searchable word matches nothing.
    """
    if not (text or "").strip():
        return queryset
    wanted, excluded = parse_search_terms(text)
    if not wanted and not excluded:
        return queryset.none()
    if uses_full_text_search():
        query = SearchQuery(websearch_text(wanted, excluded), config=SEARCH_CONFIG, search_type="websearch")
        queryset = queryset.filter(**{f"{paper_path}search_document": query})
        if not ranked:
            return queryset
        return queryset.annotate(
            rank=SearchRank(F(f"{paper_path}search_document"), query),
            headline=SearchHeadline(
                # The marks are taken out of the abstract first, so the excerpt holds none but ts_headline's.
                Replace(Replace(f"{paper_path}abstract", Value(HIGHLIGHT_START)), Value(HIGHLIGHT_STOP)),
                query,
                config=SEARCH_CONFIG,
                start_sel=HIGHLIGHT_START,
                stop_sel=HIGHLIGHT_STOP,
                max_fragments=3,
                max_words=30,
                min_words=12,
                fragment_delimiter=" … ",
            ),
        ).order_by("-rank", *queryset.query.order_by or queryset.model._meta.ordering)
    for term in wanted:
        queryset = queryset.filter(
            Q(**{f"{paper_path}title__icontains": term}) | Q(**{f"{paper_path}abstract__icontains": term})
        )
    for term in excluded:
        queryset = queryset.exclude(
            Q(**{f"{paper_path}title__icontains": term}) | Q(**{f"{paper_path}abstract__icontains": term})
        )
    return queryset


class PaperQuerySet(models.QuerySet):
    def by_key(self, key: str):
        """The papers a URL's key names (Paper.key): ``paper-<id>``, else an arXiv id. At most one."""
        from .models.paper import KEY_PREFIX

        number = key.removeprefix(KEY_PREFIX)
        if key.startswith(KEY_PREFIX) and number.isdigit() and len(number) <= 18:
            return self.filter(pk=int(number))
        return self.filter(arxiv_id=key) if key else self.none()

    def named(self, text: str):
        """Papers one id names, however it is written: an arXiv id or URL, a DOI or doi.org URL, a PMID, a key."""
        from .arxiv_ids import InvalidArxivId, find_arxiv_id, parse_arxiv_id
        from .identity import normalize_doi, normalize_pmid

        text = (text or "").strip()
        if doi := normalize_doi(text):
            return self.filter(doi=doi)
        if pmid := normalize_pmid(text):
            return self.filter(pmid=pmid)
        try:
            return self.filter(arxiv_id=parse_arxiv_id(find_arxiv_id(text) or text).canonical)
        except InvalidArxivId:
            return self.by_key(text) if KEY_SHAPE.fullmatch(text) else self.none()

    def search(self, text: str, *, ranked: bool = True):
        """Papers matching a web-style query, best match first where the database can rank (search_queryset)."""
        return search_queryset(self, text, ranked=ranked)

    def categories(self) -> list[str]:
        """The distinct primary categories of the whole corpus, sorted."""
        if connection.vendor == "postgresql":
            # PostgreSQL cannot skip through an index for DISTINCT; hopping from each category to the
            # next with min() takes a few index probes instead of reading every row.
            with connection.cursor() as cursor:
                cursor.execute(CATEGORY_SKIP_SCAN)
                return [row[0] for row in cursor.fetchall()]
        return list(
            self.model.objects.exclude(primary_category="")
            .order_by("primary_category")
            .values_list("primary_category", flat=True)
            .distinct()
        )
