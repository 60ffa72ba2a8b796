"""The filters of the review's history page: person, kind of change, and a range of days."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from .models import ChangeKind

FORMER_MEMBERS = "former"


class ChangeFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The “from” day is after the “to” day: swap them to see that range.")
        return cleaned


class ChangeFilter(django_filters.FilterSet):
    """Filters a queryset of the review's Change rows. ``members`` maps the review's members' usernames to ids."""

    person = django_filters.ChoiceFilter(method="filter_person", label="Person", empty_label="Everyone")
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices, label="Kind", empty_label="Any kind")
    since = django_filters.DateFilter(
        method="filter_since", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(method="filter_until", label="To", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        form = ChangeFilterForm
        fields = ["person", "kind", "since", "until"]

    def __init__(self, *args, members: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        choices = [(name, name) for name in sorted(members)] + [(FORMER_MEMBERS, "Former members")]
        self.filters["person"].extra["choices"] = choices

    def filter_person(self, queryset, name, value):
        if value == FORMER_MEMBERS:
            return queryset.filter(~Q(user_id__in=self.members.values()) | Q(user=None))
        return queryset.filter(user_id=self.members[value])

    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=start_of(value))

    def filter_until(self, queryset, name, value):
        if value == datetime.date.max:
            return queryset
        return queryset.filter(at__lt=start_of(value + datetime.timedelta(days=1)))


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the site's time zone (a range on ``at`` itself keeps its index in use)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
