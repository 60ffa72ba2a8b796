"""Reviews with their members and exclusion reasons inline."""

from django import forms
from django.contrib import admin
from django.db.models import OuterRef

from ..models import (
    MAX_REASONS_PER_REVIEW,
    ExclusionReason,
    Membership,
    Review,
    ReviewPaper,
    Role,
    count_of,
)
from .widgets import CheckedAutocompleteMixin


class MembershipFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        remaining = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("user")
        ]
        if remaining and not any(data.get("role") == Role.OWNER for data in remaining):
            raise forms.ValidationError("A review with members needs at least one owner.")


class MembershipInline(CheckedAutocompleteMixin, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]
    extra = 0


class ExclusionReasonFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # Each new reason's own check counts only the reasons already saved; several added at once count here.
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if len(kept) > MAX_REASONS_PER_REVIEW:
            raise forms.ValidationError(
                f"A review holds at most {MAX_REASONS_PER_REVIEW} exclusion reasons; this would make {len(kept)}."
            )


class ExclusionReasonInline(admin.TabularInline):
    model = ExclusionReason
    formset = ExclusionReasonFormSet
    fields = ["label", "position"]
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "paper_count", "member_count"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    fields = [
        "title",
        "slug",
        "research_question",
        "inclusion_criteria",
        "exclusion_criteria",
        "allow_new_tags",
        "paper_count",
        "created_at",
    ]
    readonly_fields = ["paper_count", "created_at"]
    inlines = [MembershipInline, ExclusionReasonInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                paper_count=count_of(ReviewPaper.objects, review=OuterRef("pk")),
                member_count=count_of(Membership.objects, review=OuterRef("pk")),
            )
        )

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, review):
        # The add page has no annotated instance; a saved review always does.
        return getattr(review, "paper_count", 0)

    @admin.display(description="members", ordering="member_count")
    def member_count(self, review):
        return review.member_count
