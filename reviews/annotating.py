"""The one way to change what a team has written on the papers of a review.

Every change to tags applied, scores, screening decisions and comments goes through a function here, called
by the views, the admin, the signals, the commands and the benchmark alike. Each one locks the paper's
ReviewPaper row (so concurrent changes to one paper queue up), applies the review's rules, writes, and
recounts the row's summary columns in the same transaction. A change the rules refuse raises ``Refused``,
whose message is for the person who tried and whose status is the HTTP answer; nothing is written then.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .markdown import render_markdown
from .models import (
    MAX_SCORE,
    MIN_SCORE,
    Comment,
    DecisionChoice,
    ExclusionReason,
    Membership,
    PaperTag,
    Review,
    ReviewPaper,
    Score,
    ScreeningDecision,
    Tag,
    clean_tag_name,
)
from .models.summaries import COMMENTS, DECISIONS, PARTS, SCORES
from .models.vocabulary import validate_tag_name
from .quotes import locate_quote

# Rows per statement, well under SQLite's limit on query parameters.
BATCH_SIZE = 500


class Refused(Exception):
    """A change the review's rules refuse; ``message`` says why, ``status`` is the HTTP status to answer with."""

    status = 422
    default_message = "That change is not allowed."

    def __init__(self, message: str = ""):
        self.message = message or self.default_message
        super().__init__(self.message)


class NotAllowed(Refused):
    status = 403
    default_message = "Observers can read this review but not annotate it."


class PaperGone(Refused):
    status = 404
    default_message = "This paper is no longer part of the review."


class Gone(Refused):
    """What the change refers to (a tag, a reason, a comment) was deleted a moment ago."""

    status = 409


@contextmanager
def locked_paper(membership: Membership, paper_id: int) -> Iterator[ReviewPaper]:
    """A transaction holding the lock on the review's row for ``paper_id``, for a member who may annotate."""
    if not membership.can_annotate:
        raise NotAllowed
    with transaction.atomic():
        review_paper = (
            ReviewPaper.objects.select_related("paper")
            .defer("paper__search_document")
            .select_for_update(of=("self",))
            .filter(review_id=membership.review_id, paper_id=paper_id)
            .first()
        )
        if review_paper is None:
            raise PaperGone
        yield review_paper


def _recount(review_paper: ReviewPaper, part: str) -> None:
    ReviewPaper.objects.recount_row(review_paper.pk, [part])


def _lock(queryset) -> bool:
    """Lock the rows of ``queryset`` until the transaction ends; whether there were any."""
    return bool(list(queryset.select_for_update().order_by("pk").values_list("pk", flat=True)))


# Tags


def apply_tag(membership: Membership, paper_id: int, name: str) -> Tag:
    """Put the tag called ``name`` on the paper, creating it if the review allows; the tag."""
    review = membership.review
    try:
        name = clean_tag_name(name)
        validate_tag_name(name)
    except ValidationError as error:
        raise Refused(error.messages[0]) from None
    with locked_paper(membership, paper_id) as review_paper:
        # Locked as it is found, so an owner deleting the tag meanwhile waits for this tagging, or went first.
        tag = Tag.objects.named(review, name).select_for_update().first()
        if tag is None:
            if not (review.allow_new_tags or membership.is_owner):
                raise Refused(f"There is no tag “{name}”, and new tags are turned off in this review.")
            try:
                tag, created = Tag.objects.create_named(review, name, user=membership.user)
            except ValidationError as error:
                raise Refused(error.messages[0]) from None
            if not created and not _lock(Tag.objects.filter(pk=tag.pk)):
                raise Gone(f"The tag “{tag.name}” was just deleted.")
        PaperTag.objects.get_or_create(
            review=review, paper_id=review_paper.paper_id, tag=tag, defaults={"applied_by": membership.user}
        )
    return tag


def remove_tag(membership: Membership, paper_id: int, tag_id: int) -> None:
    with locked_paper(membership, paper_id) as review_paper:
        PaperTag.objects.filter(review_id=membership.review_id, paper_id=review_paper.paper_id, tag_id=tag_id).delete()


def apply_tag_to_papers(review: Review, name: str, papers, user) -> tuple[Tag, int]:
    """A curator's bulk tagging: the tag called ``name`` (created if new) on those of ``papers`` in the review.

    Returns the tag and how many papers newly carry it. Tags have no summary columns, so no row is recounted.
    """
    with transaction.atomic():
        try:
            tag, _ = Tag.objects.get_or_create_named(review, name, user=user)
        except ValidationError as error:
            raise Refused(error.messages[0]) from None
        _lock(Tag.objects.filter(pk=tag.pk))
        in_review = ReviewPaper.objects.filter(review=review, paper__in=papers).values_list("paper_id", flat=True)
        before = PaperTag.objects.filter(tag=tag).count()
        PaperTag.objects.bulk_create(
            [PaperTag(review=review, paper_id=paper_id, tag=tag, applied_by=user) for paper_id in in_review],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        return tag, PaperTag.objects.filter(tag=tag).count() - before


# Scores and decisions


def set_score(membership: Membership, paper_id: int, value: int | None) -> None:
    """The member's relevance score for the paper; None clears it."""
    if value is not None and not MIN_SCORE <= value <= MAX_SCORE:
        raise Refused(f"A score is a whole number from {MIN_SCORE} to {MAX_SCORE}.")
    with locked_paper(membership, paper_id) as review_paper:
        mine = {"review_id": membership.review_id, "paper_id": review_paper.paper_id, "user_id": membership.user_id}
        if value is None:
            Score.objects.filter(**mine).delete()
        else:
            Score.objects.update_or_create(**mine, defaults={"value": value})
        _recount(review_paper, SCORES)


def decide(membership: Membership, paper_id: int, decision: str, reason_id: int | None = None) -> None:
    """The member's screening decision on the paper ("" clears it); a reason is kept with an exclusion only."""
    if decision and decision not in DecisionChoice.values:
        raise Refused("Decide include, maybe or exclude.")
    with locked_paper(membership, paper_id) as review_paper:
        reason = None
        if decision == DecisionChoice.EXCLUDE and reason_id is not None:
            # Locked, so an owner deleting the reason meanwhile waits for this decision, or went first.
            reason = ExclusionReason.objects.select_for_update().filter(pk=reason_id).first()
            if reason is None:
                raise Gone("That exclusion reason was just deleted; choose another.")
            if reason.review_id != membership.review_id:
                raise Refused("That exclusion reason is not one of this review's.")
        mine = {"review_id": membership.review_id, "paper_id": review_paper.paper_id, "user_id": membership.user_id}
        if not decision:
            ScreeningDecision.objects.filter(**mine).delete()
        else:
            ScreeningDecision.objects.update_or_create(**mine, defaults={"decision": decision, "reason": reason})
        _recount(review_paper, DECISIONS)


# Comments


def add_comment(
    membership: Membership, paper_id: int, body: str, *, parent_id: int | None = None, quote: str = "",
    quote_near: int | None = None,
) -> Comment:  # fmt: skip
    """A new comment on the paper, or a reply to ``parent_id``; ``quote`` is a passage of the abstract."""
    if not body.strip():
        raise Refused("Write something before posting.")
    with locked_paper(membership, paper_id) as review_paper:
        parent = None
        if parent_id is not None:
            parent = Comment.objects.counted().filter(pk=parent_id, review_id=membership.review_id, paper_id=paper_id)
            if (parent := parent.first()) is None:
                raise Refused("The comment you replied to no longer exists.")
        quote_range = None
        if quote.strip():
            abstract = review_paper.paper.abstract
            if (quote_range := locate_quote(abstract, quote, quote_near)) is None:
                raise Refused("The quoted passage is not in the abstract of this paper.")
        comment = Comment.objects.create(
            review_id=membership.review_id,
            paper_id=paper_id,
            author=membership.user,
            parent=parent,
            body=body,
            quote=review_paper.paper.abstract[slice(*quote_range)] if quote_range else "",
            quote_start=quote_range[0] if quote_range else None,
            quote_end=quote_range[1] if quote_range else None,
        )
        _recount(review_paper, COMMENTS)
    return comment


def _own_comment(membership: Membership, comment: Comment) -> Comment:
    """The comment as it is now (its row locked), if it still stands and is the member's own."""
    current = Comment.objects.counted().select_for_update().filter(pk=comment.pk).first()
    if current is None:
        raise Gone("That comment was just deleted or hidden.")
    if current.author_id != membership.user_id:
        raise NotAllowed("You can only change your own comments.")
    return current


def edit_comment(membership: Membership, comment: Comment, body: str) -> Comment:
    if not body.strip():
        raise Refused("Write something before posting.")
    with locked_paper(membership, comment.paper_id):
        comment = _own_comment(membership, comment)
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(membership: Membership, comment: Comment) -> None:
    """Delete the member's comment; one with replies stays as a placeholder so the replies keep their place."""
    with locked_paper(membership, comment.paper_id) as review_paper:
        comment = _own_comment(membership, comment)
        if comment.replies.exists():
            comment.body, comment.quote, comment.quote_start, comment.quote_end = "", "", None, None
            comment.deleted_at = timezone.now()
            comment.save()
        else:
            parent_id = comment.parent_id
            comment.delete()
            # A placeholder kept only for this reply goes with it, and so on up the thread.
            while parent_id is not None:
                parent = Comment.objects.filter(pk=parent_id).exclude(deleted_at=None).first()
                if parent is None or parent.replies.exists():
                    break
                parent_id = parent.parent_id
                parent.delete()
        _recount(review_paper, COMMENTS)


def set_comments_hidden(comments, hidden: bool) -> int:
    """A curator hides (or shows again) comments; how many changed. Their papers' comment counts follow."""
    with transaction.atomic():
        pks = lock_papers(_papers_of(comments))
        changed = comments.filter(hidden=not hidden).update(hidden=hidden)
        recount(pks, [COMMENTS])
    return changed


def delete_annotations(annotations) -> int:
    """A curator deletes annotations outright (a queryset of comments, scores, decisions or tag assignments;
    a comment's replies go with it); how many rows went. Their papers are recounted."""
    with transaction.atomic():
        pks = lock_papers(_papers_of(annotations))
        deleted, _ = annotations.delete()
        recount(pks)
    return deleted


def _papers_of(annotations) -> set[tuple[int, int]]:
    return set(annotations.order_by().values_list("review_id", "paper_id").distinct())


# Many rows at once


def lock_papers(pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Lock the ReviewPaper rows of (review_id, paper_id) pairs, in pk order so no two lockers deadlock; their pks."""
    papers_by_review: dict[int, set[int]] = defaultdict(set)
    for review_id, paper_id in pairs:
        papers_by_review[review_id].add(paper_id)
    pks = []
    for review_id, paper_ids in papers_by_review.items():
        paper_ids = sorted(paper_ids)
        for start in range(0, len(paper_ids), BATCH_SIZE):
            rows = ReviewPaper.objects.filter(review_id=review_id, paper_id__in=paper_ids[start : start + BATCH_SIZE])
            pks += rows.values_list("pk", flat=True)
    return _lock_rows(pks)


def _lock_rows(review_paper_pks: list[int]) -> list[int]:
    """Lock these ReviewPaper rows in pk order, so no two lockers deadlock; the pks of those that exist."""
    pks, locked = sorted(review_paper_pks), []
    for start in range(0, len(pks), BATCH_SIZE):
        batch = ReviewPaper.objects.filter(pk__in=pks[start : start + BATCH_SIZE])
        locked += batch.select_for_update().order_by("pk").values_list("pk", flat=True)
    return locked


def recount(review_paper_pks: list[int], parts=PARTS) -> None:
    """Recount the summary columns of these (locked) ReviewPaper rows."""
    for start in range(0, len(review_paper_pks), BATCH_SIZE):
        ReviewPaper.objects.filter(pk__in=review_paper_pks[start : start + BATCH_SIZE]).recount(parts)


def bulk_annotate(review: Review, *, decisions=(), scores=(), paper_tags=(), comments=()) -> dict[str, int]:
    """Write many annotations of ``review`` at once (unsaved model instances), then recount their papers.

    For loading a team's work in bulk (the benchmark writes its workload with it): rows that would duplicate one
    already there (same paper, user and kind) are skipped, except comments. Every row must belong to ``review``
    and to a paper in it. Comments' Markdown is rendered here, as ``Comment.save()`` would.
    """
    groups = {"decisions": decisions, "scores": scores, "paper tags": paper_tags, "comments": comments}
    rows = [row for group in groups.values() for row in group]
    if any(row.review_id != review.pk for row in rows):
        raise Refused("Every annotation must belong to the review it is written to.")
    touched = {(review.pk, row.paper_id) for row in rows}
    rendered: dict[str, str] = {}
    for comment in comments:
        if comment.body not in rendered:
            rendered[comment.body] = render_markdown(comment.body)
        comment.body_html = rendered[comment.body]
    with transaction.atomic():
        pks = lock_papers(touched)
        if len(pks) != len(touched):
            raise PaperGone("Some annotations are on papers that are not in the review.")
        for model, group in ((ScreeningDecision, decisions), (Score, scores), (PaperTag, paper_tags)):
            model.objects.bulk_create(group, batch_size=BATCH_SIZE, ignore_conflicts=True)
        Comment.objects.bulk_create(comments, batch_size=BATCH_SIZE)
        recount(pks)
    return {name: len(group) for name, group in groups.items()}


def repair_summaries(review_paper_pks: list[int]) -> None:
    """Lock these ReviewPaper rows and recount every summary column (``manage.py check_summaries --fix``)."""
    with transaction.atomic():
        recount(_lock_rows(review_paper_pks))
