"""The final say on a paper the screeners disagreed on, and who screens which paper."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class FinalChoice(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"


class ResolutionQuerySet(models.QuerySet):
    def standing(self):
        """Resolutions no screener has reopened by changing their vote since."""
        return self.filter(reopened_at=None)


class Resolution(models.Model):
    """An owner's or resolver's final decision on a paper in conflict. Written only by reviews/annotating.py.

    A screener changing their vote afterwards reopens it (``reopened_at``): the paper is in conflict again and
    the queue says who reopened it. Resolving again overwrites the row; the history keeps every version.
    """

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="resolutions")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="resolutions")
    decision = models.CharField(max_length=10, choices=FinalChoice.choices)
    reason = models.ForeignKey("reviews.ExclusionReason", null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True, max_length=2000)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField()
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ResolutionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "paper"], name="one_resolution_per_paper"),
            models.CheckConstraint(condition=Q(decision__in=FinalChoice.values), name="resolution_is_final"),
        ]

    def __str__(self):
        return f"{self.decision} {self.paper_id} by {self.resolved_by}"


class Assignment(models.Model):
    """A paper an owner gave a reviewer to screen; screening mode follows these when a review has any."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="assignments")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user", "paper"], name="assigned_once")]
        indexes = [models.Index(fields=["review", "paper"], name="assignment_paper")]

    def __str__(self):
        return f"{self.paper_id} to {self.user}"
