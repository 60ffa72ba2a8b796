"""Keeping ReviewPaper's summaries true when a user is deleted and their scores and decisions cascade away.

Their comments stay, with no author (on_delete=SET_NULL), so comment counts need no refresh.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from .models import ReviewPaper, Score, ScreeningDecision
from .summaries import refresh_decisions, refresh_scores

# Ids per query, well under SQLite's limit on query parameters.
REFRESH_BATCH_SIZE = 500


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="reviews.note_papers_annotated_by")
def note_papers_annotated_by(sender, instance, **kwargs):
    """Before the cascade removes them, note which papers the user scored or decided on."""
    same_paper = {"review": OuterRef("review"), "paper": OuterRef("paper"), "user": instance}
    annotated = ReviewPaper.objects.filter(
        Exists(Score.objects.filter(**same_paper)) | Exists(ScreeningDecision.objects.filter(**same_paper))
    )
    instance._reviews_papers_to_refresh = sorted(annotated.values_list("pk", flat=True))


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="reviews.refresh_papers_annotated_by")
def refresh_papers_annotated_by(sender, instance, **kwargs):
    """Recount those papers' decisions and scores, in the deletion's transaction, locking rows as the views do."""
    pks = getattr(instance, "_reviews_papers_to_refresh", [])
    for start in range(0, len(pks), REFRESH_BATCH_SIZE):
        batch = ReviewPaper.objects.select_for_update().filter(pk__in=pks[start : start + REFRESH_BATCH_SIZE])
        for review_paper in batch.order_by("pk"):
            refresh_decisions(review_paper)
            refresh_scores(review_paper)
