"""The record of every change to a review's annotations, resolutions and settings: who, what, before → after, when.

Rows are written by reviews/annotating.py (and the settings write path) in the same transaction as the change
they describe, and never edited.
"""

from django.conf import settings
from django.db import models


class ChangeKind(models.TextChoices):
    DECISION = "decision", "Decision"
    SCORE = "score", "Score"
    TAG = "tag", "Tag"
    COMMENT = "comment", "Comment"
    RESOLUTION = "resolution", "Final decision"
    SETTING = "setting", "Review setting"
    ASSIGNMENT = "assignment", "Assignment"
    MERGE = "merge", "Duplicate merged"


# Kinds that say what a screener thought of a paper: blind mode hides them like the votes themselves (a merge's
# entries name the decisions and scores it replaced).
TEAM_KINDS = frozenset({ChangeKind.DECISION, ChangeKind.SCORE, ChangeKind.TAG, ChangeKind.RESOLUTION, ChangeKind.MERGE})


class ChangeQuerySet(models.QuerySet):
    def of_paper(self, review_id: int, paper_id: int):
        return self.filter(review_id=review_id, paper_id=paper_id)


class Change(models.Model):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="changes")
    paper = models.ForeignKey("papers.Paper", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    # What changed within its kind: a comment's id, a tag's id, a setting's name.
    subject = models.CharField(max_length=100, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(db_index=False)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["review", "paper", "at"], name="change_paper_time"),
            models.Index(fields=["review", "at"], name="change_review_time"),
            models.Index(fields=["review", "user", "at"], name="change_user_time"),
        ]

    def __str__(self):
        return f"{self.user} changed {self.kind} {self.subject} at {self.at:%Y-%m-%d %H:%M}"
