"""Bulk actions on the Paper admin that belong to reviews: add papers to a review, tag them in one.

The papers app knows nothing of reviews, so the reviews app re-registers the Paper admin with these actions.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse

from papers.admin import PaperAdmin
from papers.models import Paper

from .. import annotating
from ..models import TAG_NAME_MAX_LENGTH, Review, ReviewPaper
from ..models.vocabulary import validate_tag_name


class ChooseReviewForm(forms.Form):
    review = forms.ModelChoiceField(queryset=Review.objects.order_by("title"))


class ApplyTagForm(ChooseReviewForm):
    tag = forms.CharField(
        max_length=TAG_NAME_MAX_LENGTH,
        validators=[validate_tag_name],
        help_text="An existing tag of the review (any case), or a new name to create it.",
    )


def _intermediate_page(modeladmin, request, queryset, form, title, action):
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "form": form,
        "action": action,
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "count": queryset.count(),
    }
    return TemplateResponse(request, "admin/papers/paper/review_action.html", context)


@admin.action(description="Add selected papers to a review", permissions=["change"])
def add_to_review(modeladmin, request, queryset):
    form = ChooseReviewForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _intermediate_page(modeladmin, request, queryset, form, "Add papers to a review", "add_to_review")
    review = form.cleaned_data["review"]
    added = review.add_papers(queryset)
    messages.success(request, f"Added {added} paper(s) to “{review}”; {queryset.count() - added} were already in it.")
    return None


@admin.action(description="Apply a tag in a review to selected papers", permissions=["change"])
def apply_tag_in_review(modeladmin, request, queryset):
    form = ApplyTagForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _intermediate_page(modeladmin, request, queryset, form, "Apply a tag in a review", "apply_tag_in_review")
    review = form.cleaned_data["review"]
    try:
        tag, applied = annotating.apply_tag_to_papers(review, form.cleaned_data["tag"], queryset, request.user)
    except annotating.Refused as refusal:
        form.add_error("tag", refusal.message)
        return _intermediate_page(modeladmin, request, queryset, form, "Apply a tag in a review", "apply_tag_in_review")
    in_review = ReviewPaper.objects.filter(review=review, paper__in=queryset).count()
    outside = queryset.count() - in_review
    messages.success(
        request,
        f"Tagged {applied} paper(s) “{tag}” in “{review}”"
        + (f"; {outside} selected paper(s) are not in that review and were left alone." if outside else "."),
    )
    return None


class ReviewAwarePaperAdmin(PaperAdmin):
    actions = [add_to_review, apply_tag_in_review]


admin.site.unregister(Paper)
admin.site.register(Paper, ReviewAwarePaperAdmin)
