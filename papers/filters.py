import django_filters
from django import forms

from .forms import MonthField
from .models import Paper


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class PaperFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'words, "a phrase", -exclude'}),
    )
    month_from = MonthFilter(field_name="submitted_month", lookup_expr="gte", label="Submitted from")
    month_to = MonthFilter(field_name="submitted_month", lookup_expr="lte", label="Submitted to")
    category = django_filters.ChoiceFilter(field_name="primary_category", label="Category", empty_label="Any category")
    has_title = django_filters.BooleanFilter(
        method="filter_has_title",
        label="Title",
        widget=forms.Select(choices=[("", "Any"), ("true", "Has a title"), ("false", "No title")]),
    )

    class Meta:
        model = Paper
        fields = ["q", "month_from", "month_to", "category", "has_title"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the categories once: a callable would run again each time the field validates or renders.
        self.filters["category"].extra["choices"] = [(c, c) for c in Paper.objects.categories()]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_has_title(self, queryset, name, value):
        return queryset.with_title(value)

    @property
    def search_text(self) -> str:
        if self.is_bound and self.form.is_valid():
            return (self.form.cleaned_data.get("q") or "").strip()
        return ""
