"""The priority orders for curators: each ranking's state, read only, with an action to retrain it now."""

from django.contrib import admin, messages

from .. import priority
from ..models import PriorityRanking


@admin.register(PriorityRanking)
class PriorityRankingAdmin(admin.ModelAdmin):
    list_display = ["review", "scope", "state", "includes", "excludes", "papers", "trained_at", "seconds"]
    list_filter = ["review"]
    list_select_related = ["review", "user"]
    fields = list_display[:2] + ["generation", "queued_at", "reason", "error", *list_display[3:], "classifier"]
    readonly_fields = fields
    actions = ["retrain_now"]

    @admin.display(description="order of")
    def scope(self, ranking):
        return ranking.user or "the team"

    @admin.display(description="state")
    def state(self, ranking):
        if ranking.reason:
            return "falls back: too few decisions" if ranking.papers or ranking.includes else ranking.reason
        if ranking.ready:
            return "retraining queued" if ranking.queued_at else "ready"
        return "failed" if ranking.error else "waiting for its first training"

    @admin.action(description="Retrain the selected orders now (in this request)")
    def retrain_now(self, request, queryset):
        for ranking in queryset:
            priority.retrain(ranking.pk)
        messages.success(request, f"Retrained {queryset.count()} priority order(s).")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
