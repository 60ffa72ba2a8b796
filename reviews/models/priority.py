"""The priority order of a review: a model's ranking of its papers, most likely include first (reviews/priority.py).

A ranking belongs to a *scope*: the whole team's decisions (``user`` None), which members who see every vote use,
or one blinded member's own decisions plus the standing resolutions (``user`` set), so nobody's order learns from
votes they could not see. Each retraining writes a new *generation* of scores beside the current one and then
switches to it, so a list never reads half a ranking and writing one never holds a lock that screening waits on.
"""

from django.conf import settings
from django.db import models


class PriorityRanking(models.Model):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="priority_rankings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The generation of PriorityScore rows lists read; 0 until the first ranking is written.
    generation = models.PositiveIntegerField(default=0)
    # Set when decisions change and a retraining is queued; cleared by the task as it starts, so decisions that
    # arrive while it trains queue one more run (and no more than one).
    queued_at = models.DateTimeField(null=True, blank=True)
    trained_at = models.DateTimeField(null=True, blank=True)
    # Why there is no order, when the decisions cannot train a model (too few, one class only, no papers).
    reason = models.CharField(max_length=300, blank=True)
    includes = models.PositiveIntegerField(default=0)
    excludes = models.PositiveIntegerField(default=0)
    papers = models.PositiveIntegerField(default=0)
    classifier = models.CharField(max_length=20, blank=True)
    seconds = models.FloatField(default=0)
    # A retraining that failed: the message, until the next one succeeds (the previous order stays in use).
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_ranking_per_scope"),
            models.UniqueConstraint(
                fields=["review"], condition=models.Q(user=None), name="one_team_ranking_per_review"
            ),
        ]

    def __str__(self):
        return f"priority of {self.review_id} for {self.user_id or 'the team'} (generation {self.generation})"

    @property
    def ready(self) -> bool:
        return self.generation > 0 and not self.reason


class PriorityScore(models.Model):
    """One paper's place in one generation of a ranking: 1 is the likeliest include."""

    # Three indexes, no more: a retraining writes a row per paper of the review, and each index slows that. The
    # unique constraint leads with the paper, so it also serves deleting a paper's scores with it and a paper's
    # place; the order's index leads with the ranking, so it serves dropping a generation. Neither foreign key
    # needs an index of its own.
    ranking = models.ForeignKey(PriorityRanking, on_delete=models.CASCADE, related_name="scores", db_index=False)
    generation = models.PositiveIntegerField()
    review_paper = models.ForeignKey(
        "reviews.ReviewPaper", on_delete=models.CASCADE, related_name="priorities", db_index=False
    )
    position = models.PositiveIntegerField()
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review_paper", "ranking", "generation"], name="one_priority_per_paper_and_generation"
            ),
        ]
        indexes = [models.Index(fields=["ranking", "generation", "position"], name="priority_order")]

    def __str__(self):
        return f"#{self.position} ({self.score:+.3f})"
