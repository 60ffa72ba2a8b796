"""Decisions, scores and applied tags: read, and deleted by a curator, never edited here.

ReviewPaper's summary columns are derived from these rows, so deletions go through reviews/annotating.py,
which recounts them; the admin can also delete what cascades to them (a user, a paper, a review, a tag).
"""

from django.contrib import admin

from .. import annotating
from ..models import PaperTag, Score, ScreeningDecision


class AnnotationAdmin(admin.ModelAdmin):
    list_filter = ["review"]
    search_fields = ["paper__arxiv_id", "user__username"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("paper__search_document", "paper__abstract")

    def has_add_permission(self, request):
        return False  # annotations are made on the review pages, by members

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        annotating.delete_annotations(type(obj).objects.filter(pk=obj.pk), request.user)

    def delete_queryset(self, request, queryset):
        annotating.delete_annotations(queryset, request.user)

    @admin.display(description="paper", ordering="paper__arxiv_id")
    def paper_arxiv_id(self, annotation):
        return annotation.paper.display_id


@admin.register(ScreeningDecision)
class ScreeningDecisionAdmin(AnnotationAdmin):
    list_display = ["paper_arxiv_id", "review", "user", "decision", "reason", "updated_at"]
    list_filter = ["review", "decision"]
    list_select_related = ["paper", "review", "user", "reason"]


@admin.register(Score)
class ScoreAdmin(AnnotationAdmin):
    list_display = ["paper_arxiv_id", "review", "user", "value", "updated_at"]
    list_filter = ["review", "value"]
    list_select_related = ["paper", "review", "user"]


@admin.register(PaperTag)
class PaperTagAdmin(AnnotationAdmin):
    list_display = ["paper_arxiv_id", "tag", "review", "applied_by", "applied_at"]
    list_select_related = ["paper", "tag", "review", "applied_by"]
    search_fields = ["paper__arxiv_id", "tag__name", "applied_by__username"]
