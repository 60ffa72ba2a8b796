"""Comment moderation: hiding and unhiding keeps each paper's comment count true."""

from django.contrib import admin, messages
from django.utils.text import Truncator

from .. import annotating
from ..models import Comment


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
        return comment.paper.display_id

    def save_model(self, request, obj, form, change):
        # Only ``hidden`` can be changed here, and only through the write path that recounts the paper's comments.
        annotating.set_comments_hidden(Comment.objects.filter(pk=obj.pk), obj.hidden, request.user)

    def delete_model(self, request, obj):
        annotating.delete_annotations(Comment.objects.filter(pk=obj.pk), request.user)

    def delete_queryset(self, request, queryset):
        annotating.delete_annotations(queryset, request.user)

    def _set_hidden(self, request, queryset, hidden: bool) -> None:
        changed = annotating.set_comments_hidden(queryset, hidden, request.user)
        verb = "Hid" if hidden else "Unhid"
        self.message_user(request, f"{verb} {changed} comment{'s' * (changed != 1)}.", messages.SUCCESS)

    @admin.action(description="Hide selected comments", permissions=["change"])
    def hide_selected(self, request, queryset):
        self._set_hidden(request, queryset, True)

    @admin.action(description="Unhide selected comments", permissions=["change"])
    def unhide_selected(self, request, queryset):
        self._set_hidden(request, queryset, False)
