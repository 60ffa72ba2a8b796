import django_filters
from django import forms

from .forms import MonthField
from .models import Paper
from .newest_matches import WalkableSearch
from .search import parse_search_terms


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class CorpusFilterSet(django_filters.FilterSet):
    """The corpus filters, for any list whose rows lead to a Paper through ``paper_path``.

    The queryset must offer ``search(text)`` (PaperQuerySet and ReviewPaperQuerySet do).
    """

    paper_path = ""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        max_length=300,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'words, "a phrase", -exclude'}),
    )
    month_from = MonthFilter(method="filter_month_from", label="Submitted from")
    month_to = MonthFilter(method="filter_month_to", label="Submitted to")
    category = django_filters.ChoiceFilter(method="filter_category", label="Category", empty_label="Any category")
    has_title = django_filters.BooleanFilter(
        method="filter_has_title",
        label="Title",
        widget=forms.Select(choices=[("", "Any"), ("true", "Has a title"), ("false", "No title")]),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the categories once: a callable would run again each time the field validates or renders.
        self.filters["category"].extra["choices"] = [(c, c) for c in Paper.objects.categories()]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_month_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.paper_path}submitted_month__gte": value})

    def filter_month_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.paper_path}submitted_month__lte": value})

    def filter_category(self, queryset, name, value):
        return queryset.filter(**{f"{self.paper_path}primary_category": value})

    def filter_has_title(self, queryset, name, value):
        title_is_blank = {f"{self.paper_path}title": ""}
        return queryset.exclude(**title_is_blank) if value else queryset.filter(**title_is_blank)

    # Filters that leave a search's matches as they are: the order, and how chosen tags combine.
    WALK_NEUTRAL = {"q", "sort", "tag_match"}

    def walkable_search(self, review_id: int | None = None) -> WalkableSearch | None:
        """The search if it is the only filter in use (ListPaginator's ``walkable``), else None: another filter
        makes the matches among the newest papers rarer than the search's words predict."""
        if not self.search_text:
            return None
        if any(self.data.get(name) for name in self.filters if name not in self.WALK_NEUTRAL):
            return None
        return WalkableSearch(parse_search_terms(self.search_text)[0], review_id)

    @property
    def search_text(self) -> str:
        if self.is_bound and self.form.is_valid():
            return (self.form.cleaned_data.get("q") or "").strip()
        return ""


class PaperFilter(CorpusFilterSet):
    class Meta:
        model = Paper
        fields = []
