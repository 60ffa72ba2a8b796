"""A paper's annotation panel: its sections and what they are rendered from."""

from django.db import models

from ..blinding import mark_visibility
from ..forms import CommentForm, ScoreForm, TagForm
from ..models import DecisionChoice, ExclusionReason, Membership, ReviewPaper

PANEL_TEMPLATE = "reviews/_annotation_panel.html"


class Section(models.TextChoices):
    """The panel's sections: each is a partial of PANEL_TEMPLATE, swapped alone after a change to it."""

    TAGS = "tags", "Tags"
    SCORE = "score", "Score"
    DECISION = "decision", "Decision"
    COMMENTS = "comments", "Comments"


def panel_forms() -> dict:
    """What the panel's inputs take (limits, choices), read from the forms that check them."""
    return {
        "tag_name_max_length": TagForm.base_fields["name"].max_length,
        "score_values": ScoreForm.values(),
        "decision_choices": DecisionChoice.choices,
        "comment_max_length": CommentForm.base_fields["body"].max_length,
        "sections": Section,
    }


def load_panel(membership: Membership, paper_id: int) -> ReviewPaper | None:
    """The review's row for ``paper_id`` with all its panel shows, or None if the paper is not in the review."""
    review_paper = ReviewPaper.objects.for_panels(membership.review, membership.user).filter(paper_id=paper_id).first()
    if review_paper is not None:
        mark_visibility(membership, [review_paper])
    return review_paper


def panel_context(membership: Membership, review_paper: ReviewPaper, **extra) -> dict:
    review = membership.review
    return {
        "review": review,
        "membership": membership,
        "rp": review_paper,
        "paper": review_paper.paper,
        "reasons": list(ExclusionReason.objects.filter(review=review)),
        **panel_forms(),
        **extra,
    }
