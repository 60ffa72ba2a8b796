"""Pagination for lists that may hold a million rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Counting every match of a broad search ("language models" matches most of the corpus) costs as much
# as ranking them, so searches count up to here and say "more than".
SEARCH_COUNT_CAP = 1_000


class ListPaginator(Paginator):
    """Fetches a page in two steps — its ids by the list's order, then the rows — so a deep page reads
    25 rows instead of every row before it; with ``count_cap`` the count stops there."""

    def __init__(self, object_list, per_page, *, count_cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_cap = count_cap

    @cached_property
    def count(self) -> int:
        if self.count_cap is None:
            return super().count
        return self.object_list.order_by().values("pk")[: self.count_cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count_cap is not None and self.count > self.count_cap

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
