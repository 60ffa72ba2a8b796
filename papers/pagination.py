"""Pagination for lists that may hold a million rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .newest_matches import WalkableSearch, newest_matches

# Counting every match of a broad search ("language models" matches most of the corpus) costs as much
# as ranking them, so searches count up to here and say "more than".
SEARCH_COUNT_CAP = 1_000
# A review's list counts up to here: counting the 940,000 papers of a million-paper review a reviewer has not
# screened took 0.6 to 2.3 s (an anti-join over every row); 10,001 rows take a few milliseconds, and 400 pages
# are more than anyone pages through (screening mode goes on from there).
LIST_COUNT_CAP = 10_000


class ListPaginator(Paginator):
    """Fetches a page in two steps — its ids by the list's order, then the rows — so a deep page reads
    25 rows instead of every row before it; with ``count_cap`` the count stops there, and a ranked search
    past it ranks its newest matches only.

    ``shortlist(limit)``, if given, returns the list restricted to rows among the first ``limit``
    candidates of the same order (e.g. a review's papers among the corpus's best search matches). Its rows
    are a prefix of the full list, so when it fills the page the page is right; when it falls short of
    what the count promises, the page is read from the full list instead.
    """

    SHORTLIST_PAGES = 4

    def __init__(
        self,
        object_list,
        per_page,
        *,
        count_cap: int | None = None,
        shortlist=None,
        walkable: WalkableSearch | None = None,
        **kwargs,
    ):
        """``walkable``: a search that is the list's only filter, so its newest matches may be found by walking the
        papers newest first (papers/newest_matches.py)."""
        super().__init__(object_list, per_page, **kwargs)
        self.count_cap = count_cap
        self.shortlist = shortlist
        self.walkable = walkable

    @cached_property
    def count(self) -> int:
        if self.count_cap is None:
            return super().count
        return self.object_list.order_by().values("pk")[: self.count_cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count_cap is not None and self.count > self.count_cap

    @property
    def ranks_newest_only(self) -> bool:
        """Whether the pages rank only the newest matches (the list says so: the best match may be older)."""
        return self._newest_ranked() is not None

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        ids = []
        newest_ranked = self._newest_ranked()
        if self.shortlist is not None and newest_ranked is None:
            candidates = self.shortlist((bottom + self.per_page) * self.SHORTLIST_PAGES)
            ids = list(candidates.values_list("pk", flat=True)[bottom:top])
        if len(ids) < top - bottom:
            listed = self.object_list if newest_ranked is None else newest_ranked
            ids = list(listed.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

    def _newest_ranked(self):
        """For a search ranked best match first whose count passed the cap, its newest ``count_cap + 1`` matches
        ranked (all the capped count lets a reader page to; the shortlist is not tried); else None. Ranking every
        match reads each matching row: 1.3 s for the 880,000 papers of a million that "language models" matches."""
        ordering = list(self.object_list.query.order_by)
        if not self.count_is_capped or ordering[:1] != ["-rank"]:
            return None
        newest = newest_matches(self.object_list, ordering[1:], self.count_cap + 1, self.walkable)
        return self.object_list.filter(pk__in=newest)
