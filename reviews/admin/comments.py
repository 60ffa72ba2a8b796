"""Comment moderation: hiding and unhiding keeps each paper's comment count true."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.text import Truncator

from ..models import (
    Comment,
    ReviewPaper,
)
from ..summaries import refresh_comments

# Ids per query, well under SQLite's limit on query parameters.
LOCK_BATCH_SIZE = 500


def lock_review_papers(pairs: set[tuple[int, int]]) -> list[ReviewPaper]:
    """Lock the ReviewPaper row of each (review_id, paper_id) until the transaction ends, as the comment views do.

    Taken before the comments change and in pk order, so a concurrent comment_add waits for the recount
    (and is counted) instead of being lost from it, and no two lockers deadlock.
    """
    if not pairs:
        return []
    candidates = ReviewPaper.objects.filter(
        review_id__in={review_id for review_id, _ in pairs}, paper_id__in={paper_id for _, paper_id in pairs}
    ).values_list("pk", "review_id", "paper_id")
    pks = sorted(pk for pk, review_id, paper_id in candidates if (review_id, paper_id) in pairs)
    locked = []
    for start in range(0, len(pks), LOCK_BATCH_SIZE):
        batch = ReviewPaper.objects.select_for_update().filter(pk__in=pks[start : start + LOCK_BATCH_SIZE])
        locked.extend(batch.order_by("pk"))
    return locked


def refresh_comment_counts(review_papers: list[ReviewPaper]) -> None:
    """Recount the visible comments of each locked ReviewPaper so the lists' filters stay true."""
    for review_paper in review_papers:
        refresh_comments(review_paper)


def review_papers_of(comments) -> set[tuple[int, int]]:
    return set(comments.order_by().values_list("review_id", "paper_id").distinct())


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "review", "paper_arxiv_id", "author", "created_at", "hidden"]
    list_filter = ["review", "hidden"]
    list_select_related = ["review", "paper", "author"]
    search_fields = ["body"]
    date_hierarchy = "created_at"
    fields = [
        "review",
        "paper",
        "author",
        "parent",
        "body",
        "quote",
        "created_at",
        "edited_at",
        "deleted_at",
        "hidden",
    ]
    readonly_fields = [field for field in fields if field != "hidden"]
    actions = ["hide_selected", "unhide_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("paper__search_document", "paper__abstract")

    def has_add_permission(self, request):
        return False  # comments are written on the review pages, by members

    @admin.display(description="comment")
    def excerpt(self, comment):
        if comment.deleted_at:
            return "(deleted by its author)"
        return Truncator(comment.body).chars(80)

    @admin.display(description="paper", ordering="paper__arxiv_id")
    def paper_arxiv_id(self, comment):
        return comment.paper.arxiv_id

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            locked = lock_review_papers({(obj.review_id, obj.paper_id)})
            super().save_model(request, obj, form, change)
            refresh_comment_counts(locked)

    def delete_model(self, request, obj):
        with transaction.atomic():
            locked = lock_review_papers({(obj.review_id, obj.paper_id)})
            super().delete_model(request, obj)
            refresh_comment_counts(locked)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            locked = lock_review_papers(review_papers_of(queryset))
            super().delete_queryset(request, queryset)
            refresh_comment_counts(locked)

    def _set_hidden(self, request, queryset, hidden: bool) -> None:
        with transaction.atomic():
            locked = lock_review_papers(review_papers_of(queryset))
            changed = queryset.filter(hidden=not hidden).update(hidden=hidden)
            refresh_comment_counts(locked)
        verb = "Hid" if hidden else "Unhid"
        self.message_user(request, f"{verb} {changed} comment{'s' * (changed != 1)}.", messages.SUCCESS)

    @admin.action(description="Hide selected comments", permissions=["change"])
    def hide_selected(self, request, queryset):
        self._set_hidden(request, queryset, True)

    @admin.action(description="Unhide selected comments", permissions=["change"])
    def unhide_selected(self, request, queryset):
        self._set_hidden(request, queryset, False)
