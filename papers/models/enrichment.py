from django.db import models

from .paper import Paper


class EnrichmentAttempt(models.Model):
    """The last time ``manage.py enrich_papers`` looked a paper up in one source, and what came of it.

    It makes enrichment resumable: a paper with an answer from a source (filled, nothing to fill, or not found)
    is not asked for again unless ``--retry``; a failed attempt is tried again on the next run.
    """

    class Outcome(models.TextChoices):
        FILLED = "filled", "filled missing fields"
        UNCHANGED = "unchanged", "found; nothing missing it could fill"
        NOT_FOUND = "not_found", "not found"
        FAILED = "failed", "failed"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="enrichment_attempts")
    source = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20, choices=Outcome)
    filled_fields = models.JSONField(default=list, blank=True, help_text="The fields this attempt filled.")
    message = models.TextField(blank=True, help_text="Why the attempt failed, or what else is worth knowing.")
    attempted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "source"], name="enrichment_attempt_per_source")]
        indexes = [models.Index(fields=["source", "outcome"], name="enrichment_source_outcome")]

    def __str__(self):
        return f"{self.paper.display_id} from {self.source}: {self.get_outcome_display()}"
