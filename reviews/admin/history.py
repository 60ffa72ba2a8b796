"""The review history for curators: read only, since a record that could be edited would record nothing."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from papers.models import Paper

from ..models import Change


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "kind", "paper_arxiv_id", "subject", "before", "after", "review"]
    list_filter = ["review", "kind", ("at", admin.DateFieldListFilter)]
    list_select_related = ["review", "paper", "user"]
    search_fields = ["=user__username", "=paper__arxiv_id"]  # answered by get_search_results
    search_help_text = "A username or an arXiv id, exactly."
    # By id, which the primary key answers at once; ids grow with time as "at" does.
    ordering = ["-pk"]
    show_full_result_count = False
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).defer("paper__search_document", "paper__abstract")

    def get_search_results(self, request, queryset, search_term):
        """Exact username or paper id (arXiv id, DOI, PMID), looked up first: an OR across two joins would read a
        million rows, while ids filter through the foreign keys' indexes."""
        term = search_term.strip()
        if not term:
            return queryset, False
        users = list(get_user_model().objects.filter(username=term).values_list("pk", flat=True))
        papers = list(Paper.objects.named(term).values_list("pk", flat=True))
        return queryset.filter(Q(user_id__in=users) | Q(paper_id__in=papers)), False

    @admin.display(description="paper", ordering="paper__arxiv_id")
    def paper_arxiv_id(self, change):
        return change.paper.display_id if change.paper else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Delete permission stays as the user's permissions say, because deleting a paper, a review or a user
    # takes its changes along and the admin asks each related model's admin first; a Change is never deleted
    # on its own: no action, no delete page, no delete link.
    actions = None

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied("The history is read-only.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_delete": False})
