"""The review list's filter form, rendered once per distinct content and then read from a cache.

Its dozen widgets go through Django's form renderer, a template each: a sixth of the list page's Python time,
for a form that is the same on every page of a list. What it shows is the bound form — each field's label,
value, errors and choices (the review's tags and the corpus's categories, read from the database on every
request) — with which filters are in use, the blind-mode note and the review's address; the cache key is a
digest of exactly those (``fingerprint``), so a new tag, a renamed one or another query string is a new entry,
never a stale one (reviews/row_cache.py keys the rows the same way).
"""

import hashlib

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .row_cache import CACHE

FORM_TEMPLATE = "reviews/review_paper_list.html#filter-form"


def render_filter_form(review, filterset, blind_note: str) -> str:
    """The list's filter form as HTML."""
    cache = caches[CACHE]
    key = fingerprint(review, filterset, blind_note)
    html = cache.get(key)
    if html is None:
        context = {"review": review, "filterset": filterset, "blind_note": blind_note}
        html = render_to_string(FORM_TEMPLATE, context)
        cache.set(key, html)
    return mark_safe(html)  # noqa: S308 - rendered (escaped) by the template engine


def fingerprint(review, filterset, blind_note: str) -> str:
    fields = tuple(
        (
            field.name,
            str(field.label),
            repr(field.value()),
            tuple(str(error) for error in field.errors),
            tuple((str(value), str(label)) for value, label in getattr(field.field, "choices", ())),
        )
        for field in filterset.form
    )
    values = (
        review.get_absolute_url(),
        fields,
        tuple(str(error) for error in filterset.form.non_field_errors()),
        filterset.blinded,
        blind_note,
        filterset.filters_in_use(),
        filterset.more_filters_in_use(),
    )
    return "filter-form:" + hashlib.blake2b(repr(values).encode(), digest_size=20).hexdigest()
