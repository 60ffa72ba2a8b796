"""What team members add to a paper in a review: tags applied, scores, screening decisions and comments.

Rows here are written only through reviews/annotating.py, which keeps ReviewPaper's summary columns true.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from ..markdown import render_markdown

MIN_SCORE, MAX_SCORE = 1, 5
COMMENT_MAX_LENGTH = 10_000


class DecisionChoice(models.TextChoices):
    INCLUDE = "include", "Include"
    MAYBE = "maybe", "Maybe"
    EXCLUDE = "exclude", "Exclude"


class PaperTag(models.Model):
    """A tag one member put on a paper. Each member's assignment is their own, so in a blind review adding a tag
    someone else applied is never a telling no-op; the panel shows one chip per tag with everyone who applied it."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="paper_tags")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="paper_tags")
    tag = models.ForeignKey("reviews.Tag", on_delete=models.CASCADE, related_name="paper_tags")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag__normalised_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "paper", "tag", "applied_by"], name="tag_once_per_paper_and_person"
            )
        ]
        indexes = [models.Index(fields=["tag", "paper"], name="papertag_tag_paper")]

    def __str__(self):
        return f"{self.tag} on {self.paper_id}"


class Score(models.Model):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="scores")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(validators=[MinValueValidator(MIN_SCORE), MaxValueValidator(MAX_SCORE)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "paper", "user"], name="one_score_per_reviewer"),
            models.CheckConstraint(condition=Q(value__gte=MIN_SCORE, value__lte=MAX_SCORE), name="score_from_1_to_5"),
        ]
        indexes = [models.Index(fields=["review", "user", "value"], name="score_by_user")]

    def __str__(self):
        return f"{self.user} scored {self.paper_id} {self.value}"


class ScreeningDecision(models.Model):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="decisions")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=DecisionChoice.choices)
    reason = models.ForeignKey("reviews.ExclusionReason", null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "paper", "user"], name="one_decision_per_reviewer"),
            models.CheckConstraint(condition=Q(decision__in=DecisionChoice.values), name="decision_is_known"),
        ]
        # With the paper last, "my decisions of a kind" (the list's filter, its count) are read from the index alone.
        indexes = [models.Index(fields=["review", "user", "decision", "paper"], name="decision_by_user_paper_kind")]

    def __str__(self):
        return f"{self.user}: {self.decision} {self.paper_id}"


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def counted(self):
        """The comments a paper's comment count counts: visible and not deleted."""
        return self.visible().filter(deleted_at=None)

    def thread(self, review_id: int, paper_id: int, *, only_by: int | None = None) -> list["Comment"]:
        """A paper's visible top-level comments in time order, each with ``thread_replies``: every descendant.

        A deleted comment stays as a placeholder while a reply below it stands, and is left out otherwise.
        ``only_by``: only that user's comments (blind mode hiding the others'); a reply of theirs to a comment
        left out stands as a top-level one.
        """
        comments = self.visible().filter(review_id=review_id, paper_id=paper_id)
        if only_by is not None:
            comments = comments.filter(author_id=only_by)
        return arrange_thread(list(comments.select_related("author").order_by("created_at", "id")))


def arrange_thread(comments: list["Comment"]) -> list["Comment"]:
    """``comments`` of one paper (in time order) as ``CommentQuerySet.thread`` returns them: top-level ones, each
    with ``thread_replies``; a deleted comment kept only while a reply below it stands. Exports call it on the
    comments they loaded for many papers at once."""
    everyone = {comment.pk: comment for comment in comments}
    needed = set()
    for comment in comments:
        if comment.deleted_at is None:
            # It and every comment above it show.
            ancestor = comment
            while ancestor is not None and ancestor.pk not in needed:
                needed.add(ancestor.pk)
                ancestor = everyone.get(ancestor.parent_id)
    comments = [comment for comment in comments if comment.pk in needed]
    by_id = {comment.pk: comment for comment in comments}
    roots = []
    for comment in comments:
        comment.thread_replies = []
        root = comment
        while root.parent_id is not None and root.parent_id in by_id:
            root = by_id[root.parent_id]
        if root is comment:
            roots.append(comment)
        else:
            root.thread_replies.append(comment)
    return roots


class Comment(models.Model):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="comments")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(max_length=COMMENT_MAX_LENGTH, help_text="Markdown, as written.")
    body_html = models.TextField(editable=False, help_text="The Markdown rendered and sanitised when saved.")
    quote = models.TextField(blank=True, help_text="The passage of the abstract this comment is about.")
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text="Hidden by a curator: kept, but not shown to the team.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Deleted by its author: kept so it can be restored, shown as a placeholder while replies stand.",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["review", "paper", "created_at"], name="comment_thread")]

    def __str__(self):
        return f"Comment by {self.author} on {self.paper_id}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)
