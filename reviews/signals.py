"""Keeping ReviewPaper's summaries true when a user is deleted and their scores and decisions cascade away.

Their comments stay, with no author (on_delete=SET_NULL), so comment counts need no recount.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from . import annotating
from .models import ReviewPaper, Score, ScreeningDecision
from .models.summaries import DECISIONS, SCORES


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="reviews.note_papers_annotated_by")
def note_papers_annotated_by(sender, instance, **kwargs):
    """Before the cascade removes them, lock the papers the user scored or decided on, as the views do."""
    same_paper = {"review": OuterRef("review"), "paper": OuterRef("paper"), "user": instance}
    annotated = ReviewPaper.objects.filter(
        Exists(Score.objects.filter(**same_paper)) | Exists(ScreeningDecision.objects.filter(**same_paper))
    )
    instance._reviews_papers_to_recount = annotating.lock_papers(annotated.values_list("review_id", "paper_id"))


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="reviews.recount_papers_annotated_by")
def recount_papers_annotated_by(sender, instance, **kwargs):
    """Recount those papers' decisions and scores, in the deletion's transaction."""
    annotating.recount(getattr(instance, "_reviews_papers_to_recount", []), [DECISIONS, SCORES])
