"""Pairs of papers that may be one paper, for a person to decide; and the old addresses of papers merged away."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .paper import Paper


class DuplicateStatus(models.TextChoices):
    """A pair confirmed as one paper is merged at once: the merged paper, and so the pair, is gone, and a
    PaperAlias records the merge (who, when, what the merged paper was)."""

    OPEN = "open", "Open"
    REJECTED = "rejected", "Not duplicates"


class FoundBy(models.TextChoices):
    TITLE = "title", "Similar titles"
    IDENTIFIER = "identifier", "Same identifier"
    TITLE_YEAR_AUTHOR = "title-year-author", "Same title, year and first author"


class DuplicateCandidateQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=DuplicateStatus.OPEN)

    def involving(self, paper_ids):
        """Pairs with at least one of ``paper_ids`` (a list or a subquery of paper ids)."""
        return self.filter(Q(paper_a__in=paper_ids) | Q(paper_b__in=paper_ids))

    def pair(self, first_id: int, second_id: int):
        low, high = sorted((first_id, second_id))
        return self.filter(paper_a_id=low, paper_b_id=high)


class DuplicateCandidate(models.Model):
    """Two papers that may be one: ``paper_a`` has the lower id. Written by papers/duplicates.py (during imports
    and by ``manage.py find_duplicates``) and decided by a curator or a review's owner or resolver: merged
    (reviews/paper_merging.py) or rejected. A pair is stored once, so a rejected pair is never proposed again."""

    # The pair's unique constraint serves lookups by paper_a, so it needs no index of its own.
    paper_a = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+", db_index=False)
    paper_b = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(help_text="Title similarity, 0–100 (100 for a certain match).")
    found_by = models.CharField(max_length=20, choices=FoundBy.choices, default=FoundBy.TITLE)
    status = models.CharField(max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    found_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = DuplicateCandidateQuerySet.as_manager()

    class Meta:
        verbose_name = "possible duplicate"
        verbose_name_plural = "possible duplicates"
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["paper_a", "paper_b"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=Q(paper_a__lt=F("paper_b")), name="duplicate_pair_ordered"),
        ]
        indexes = [
            models.Index(fields=["status", "-score"], name="duplicate_status_score"),
        ]

    def __str__(self):
        return f"{self.paper_a_id} ~ {self.paper_b_id} ({self.score:g}, {self.get_status_display().lower()})"


class PaperAlias(models.Model):
    """The key (Paper.key) a paper merged away had, so its old URLs lead to the paper it became."""

    key = models.CharField(max_length=60, unique=True)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="aliases")
    merged_at = models.DateTimeField(auto_now_add=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the merged paper was, for the admin and the PRISMA count ("Records removed as duplicates").
    merged_display_id = models.CharField(max_length=300, blank=True)
    merged_title = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "paper aliases"

    def __str__(self):
        return f"{self.key} → {self.paper_id}"

    @classmethod
    def current_key(cls, key: str) -> str | None:
        """The key of the paper that a merged paper's old key ``key`` now stands for, or None."""
        alias = cls.objects.filter(key=key[:60]).select_related("paper").only("paper__arxiv_id").first()
        return alias.paper.key if alias else None
