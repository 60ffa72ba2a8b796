import datetime
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, models
from django.db.models import F, Q

from .search import HIGHLIGHT_START, HIGHLIGHT_STOP, SEARCH_CONFIG

SEARCH_TERM = re.compile(r'(-?)"([^"]+)"|(-?)(\S+)')


def parse_search_terms(text: str) -> tuple[list[str], list[str]]:
    """Split a web-style query into (wanted, excluded) terms: quoted phrases stay whole, ``-word`` excludes."""
    wanted, excluded = [], []
    for match in SEARCH_TERM.finditer(text):
        negated, term = (match[1], match[2]) if match[2] is not None else (match[3], match[4])
        term = term.strip()
        if not term or term.lower() == "or":
            continue
        (excluded if negated else wanted).append(term)
    return wanted, excluded


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


class PaperQuerySet(models.QuerySet):
    def search(self, text: str):
        """Papers matching a web-style query (``"exact phrase" -excluded word``), best match first.

        PostgreSQL uses the stored tsvector (GIN-indexed) with ts_rank and ts_headline, annotating
        ``rank`` and ``headline``. Elsewhere each term must appear in the title or abstract
        (case-insensitive substring) and results keep their usual order.
        """
        text = (text or "").strip()
        if not text:
            return self
        if uses_full_text_search():
            query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
            return (
                self.filter(search_document=query)
                .annotate(
                    rank=SearchRank(F("search_document"), query),
                    headline=SearchHeadline(
                        "abstract",
                        query,
                        config=SEARCH_CONFIG,
                        start_sel=HIGHLIGHT_START,
                        stop_sel=HIGHLIGHT_STOP,
                        max_fragments=3,
                        max_words=30,
                        min_words=12,
                        fragment_delimiter=" … ",
                    ),
                )
                .order_by("-rank", *self.model._meta.ordering)
            )
        wanted, excluded = parse_search_terms(text)
        queryset = self
        for term in wanted:
            queryset = queryset.filter(Q(title__icontains=term) | Q(abstract__icontains=term))
        for term in excluded:
            queryset = queryset.exclude(Q(title__icontains=term) | Q(abstract__icontains=term))
        return queryset

    def submitted_between(self, start: datetime.date | None, end: datetime.date | None):
        """Papers first submitted in the months from ``start`` to ``end`` (both inclusive, either open)."""
        queryset = self
        if start:
            queryset = queryset.filter(submitted_month__gte=start.replace(day=1))
        if end:
            queryset = queryset.filter(submitted_month__lte=end.replace(day=1))
        return queryset

    def with_title(self, has_title: bool = True):
        return self.exclude(title="") if has_title else self.filter(title="")

    def categories(self) -> list[str]:
        return list(
            self.exclude(primary_category="")
            .order_by("primary_category")
            .values_list("primary_category", flat=True)
            .distinct()
        )
