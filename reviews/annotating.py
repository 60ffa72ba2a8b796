"""The one way to change what a team has written on the papers of a review.

Every change to tags applied, scores, screening decisions and comments goes through a function here, called
by the views, the admin, the signals, the commands and the benchmark alike. Each one locks the paper's
ReviewPaper row (so concurrent changes to one paper queue up), applies the review's rules, writes, and
recounts the row's summary columns in the same transaction. A change the rules refuse raises ``Refused``,
whose message is for the person who tried and whose status is the HTTP answer; nothing is written then.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .history import record, record_many
from .markdown import render_markdown
from .models import (
    MAX_SCORE,
    MIN_SCORE,
    NEEDS_RESOLUTION,
    Change,
    ChangeKind,
    Comment,
    DecisionChoice,
    ExclusionReason,
    FinalChoice,
    Membership,
    PaperTag,
    Resolution,
    Review,
    ReviewPaper,
    Score,
    ScreeningDecision,
    Tag,
    TeamStatus,
    clean_tag_name,
)
from .models.summaries import COMMENTS, DECISIONS, PARTS, SCORES
from .models.vocabulary import validate_tag_name
from .priority import retrain_soon
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


class Stale(Refused):
    """The change was made on a view of the paper that is out of date (the votes moved since it was shown)."""

    status = 409


def _role_refusal(membership: Membership, action: str) -> NotAllowed:
    # Says the role as it is now, so someone whose role changed mid-screen learns why their click failed.
    return NotAllowed(f"You are {membership.role_phrase} in this review now, and cannot {action}.")


@contextmanager
def locked_paper(membership: Membership, paper_id: int, *, screening: bool = False) -> Iterator[ReviewPaper]:
    """A transaction holding the lock on the review's row for ``paper_id``, for a member who may annotate (or
    screen: decide and score)."""
    if screening and not membership.can_screen:
        raise _role_refusal(membership, "screen papers") if membership.can_annotate else NotAllowed
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
        # The member's own assignment: whether someone else applied the tag too changes nothing (and tells nothing).
        _, created = PaperTag.objects.get_or_create(
            review=review, paper_id=review_paper.paper_id, tag=tag, applied_by=membership.user
        )
        if created:
            record(membership, review_paper.paper_id, ChangeKind.TAG, None, {"tag": tag.name}, subject=tag.pk)
    return tag


def remove_tag(membership: Membership, paper_id: int, tag_id: int) -> int:
    """Take the member's own assignment of the tag off the paper; an owner takes it off for everyone who
    applied it. How many assignments went (0 when there was none to take: nothing is said about others')."""
    with locked_paper(membership, paper_id) as review_paper:
        applied = PaperTag.objects.filter(
            review_id=membership.review_id, paper_id=review_paper.paper_id, tag_id=tag_id
        ).select_related("tag", "applied_by")
        if not membership.is_owner:
            applied = applied.filter(applied_by=membership.user)
        removed = list(applied)
        for paper_tag in removed:
            before = {"tag": paper_tag.tag.name}
            if paper_tag.applied_by_id != membership.user_id:
                before["applied_by"] = str(paper_tag.applied_by or "")
            record(membership, review_paper.paper_id, ChangeKind.TAG, before, None, subject=tag_id)
        PaperTag.objects.filter(pk__in=[paper_tag.pk for paper_tag in removed]).delete()
    return len(removed)


def apply_tag_to_papers(review: Review, name: str, papers, user) -> tuple[Tag, int]:
    """A curator's bulk tagging: the tag called ``name`` (created if new) on those of ``papers`` in the review.

    Returns the tag and how many papers newly carry it from ``user`` (assignments are per person). Tags have no
    summary columns, so no row is recounted.
    """
    with transaction.atomic():
        try:
            tag, _ = Tag.objects.get_or_create_named(review, name, user=user)
        except ValidationError as error:
            raise Refused(error.messages[0]) from None
        _lock(Tag.objects.filter(pk=tag.pk))
        in_review = ReviewPaper.objects.filter(review=review, paper__in=papers).values_list("paper_id", flat=True)
        already = set(PaperTag.objects.filter(tag=tag, applied_by=user).values_list("paper_id", flat=True))
        new = [paper_id for paper_id in in_review if paper_id not in already]
        PaperTag.objects.bulk_create(
            [PaperTag(review=review, paper_id=paper_id, tag=tag, applied_by=user) for paper_id in new],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        record_many(
            review.pk, user, ChangeKind.TAG, [(paper_id, None, {"tag": tag.name}) for paper_id in new], subject=tag.pk
        )
        return tag, len(new)


# Scores and decisions


def set_score(membership: Membership, paper_id: int, value: int | None) -> None:
    """The member's relevance score for the paper; None clears it."""
    if value is not None and not MIN_SCORE <= value <= MAX_SCORE:
        raise Refused(f"A score is a whole number from {MIN_SCORE} to {MAX_SCORE}.")
    with locked_paper(membership, paper_id, screening=True) as review_paper:
        mine = {"review_id": membership.review_id, "paper_id": review_paper.paper_id, "user_id": membership.user_id}
        before = Score.objects.filter(**mine).values_list("value", flat=True).first()
        if before == value:
            return
        if value is None:
            Score.objects.filter(**mine).delete()
        else:
            Score.objects.update_or_create(**mine, defaults={"value": value})
        record(
            membership,
            review_paper.paper_id,
            ChangeKind.SCORE,
            None if before is None else {"score": before},
            None if value is None else {"score": value},
        )
        _recount(review_paper, SCORES)


def decide(
    membership: Membership, paper_id: int, decision: str, reason_id: int | None = None, *, undoing: int | str = ""
) -> Resolution | None:
    """The member's screening decision on the paper ("" clears it); a reason is kept with an exclusion only.

    A change to a paper that was resolved reopens its conflict; the reopened resolution is returned so the
    caller can say so, with ``still_in_conflict`` set (False when the changed votes now agree, which settles the
    paper without a resolver). ``undoing`` names the Changes this decision takes back (see ``undo_last_decision``).
    """
    if decision and decision not in DecisionChoice.values:
        raise Refused("Decide include, maybe or exclude.")
    with locked_paper(membership, paper_id, screening=True) as review_paper:
        reason = None
        if decision == DecisionChoice.EXCLUDE and reason_id is not None:
            # Locked, so an owner deleting the reason meanwhile waits for this decision, or went first.
            reason = ExclusionReason.objects.select_for_update().filter(pk=reason_id).first()
            if reason is None:
                raise Gone("That exclusion reason was just deleted; choose another.")
            if reason.review_id != membership.review_id:
                raise Refused("That exclusion reason is not one of this review's.")
        mine = {"review_id": membership.review_id, "paper_id": review_paper.paper_id, "user_id": membership.user_id}
        current = ScreeningDecision.objects.filter(**mine).select_related("reason").first()
        before = decision_state(current.decision, current.reason) if current else None
        after = decision_state(decision, reason) if decision else None
        if before == after:
            return None
        # The paper's row lock queues every writer of this paper, so reading then writing cannot race.
        if not decision:
            current.delete()
        elif current:
            current.decision, current.reason = decision, reason
            current.save(update_fields=["decision", "reason", "updated_at"])
        else:
            ScreeningDecision.objects.create(**mine, decision=decision, reason=reason)
        subject = f"undo:{undoing}" if undoing else ""
        record(membership, review_paper.paper_id, ChangeKind.DECISION, before, after, subject=subject)
        reopened = _reopen(membership, review_paper)
        _recount(review_paper, DECISIONS)
        retrain_soon(membership.review_id, membership.user_id, everyone=reopened is not None)
        if reopened is not None:
            status = ReviewPaper.objects.filter(pk=review_paper.pk).values_list("team_status", flat=True).get()
            reopened.still_in_conflict = status in NEEDS_RESOLUTION
    return reopened


def decision_state(decision: str, reason: ExclusionReason | None) -> dict:
    """A decision as the history keeps it: the reason by id (to undo) and label (to read, if it is deleted)."""
    state = {"decision": decision}
    if reason is not None:
        state.update(reason_id=reason.pk, reason=reason.label)
    return state


def _reopen(membership: Membership, review_paper: ReviewPaper) -> Resolution | None:
    """A screener changed their vote on a resolved paper: the resolution no longer stands."""
    resolution = (
        Resolution.objects.standing()
        .filter(review_id=membership.review_id, paper_id=review_paper.paper_id)
        .select_related("resolved_by")
        .first()
    )
    if resolution is None:
        return None
    resolution.reopened_at, resolution.reopened_by = timezone.now(), membership.user
    resolution.save(update_fields=["reopened_at", "reopened_by"])
    record(
        membership,
        review_paper.paper_id,
        ChangeKind.RESOLUTION,
        resolution_state(resolution),
        {"reopened": True},
    )
    return resolution


def undo_last_decision(membership: Membership) -> int | None:
    """Take back the member's latest decision in the review that is not itself an undo or undone already; the
    paper's id, or None when there is nothing to undo. The undo is a decision like any other, in the history.

    A decision is the member's run of changes on one paper, with nothing on another paper between: "exclude"
    then its reason (two keys, two changes) is one decision, and undoing it leaves the paper as it was before.
    """
    if not membership.can_screen:
        raise _role_refusal(membership, "screen papers")
    recent = Change.objects.filter(
        review_id=membership.review_id, user_id=membership.user_id, kind=ChangeKind.DECISION
    ).order_by("-at", "-pk")[:UNDO_DEPTH]
    undone: set[int] = set()
    run: list[Change] = []
    for change in recent:
        if change.subject.startswith("undo:"):
            undone.update(_undone_ids(change.subject))
            if run:
                break
            continue
        if change.pk in undone:
            if run:
                break
            continue
        if run and change.paper_id != run[0].paper_id:
            break
        run.append(change)
    if not run:
        return None
    first, last = run[-1], run[0]
    before = first.before or {}
    decide(
        membership,
        first.paper_id,
        before.get("decision", ""),
        before.get("reason_id"),
        undoing=f"{first.pk}-{last.pk}" if first is not last else first.pk,
    )
    return first.paper_id


def _undone_ids(subject: str) -> set[int]:
    """The ids of the changes an undo's subject (``undo:12`` or ``undo:12-15``) took back."""
    first, _, last = subject.removeprefix("undo:").partition("-")
    return set(range(int(first), int(last or first) + 1))


# How far back undo looks for a decision not yet taken back.
UNDO_DEPTH = 200


# Final decisions


def votes_seen(review_paper: ReviewPaper) -> str:
    """A short fingerprint of the paper's votes, sent with a resolution form so a vote that moved since the
    resolver looked is noticed (``resolve(seen=…)``)."""
    of_paper = {"review_id": review_paper.review_id, "paper_id": review_paper.paper_id}
    votes = ScreeningDecision.objects.filter(**of_paper).values_list("user_id", "decision", "reason_id")
    resolution = Resolution.objects.standing().filter(**of_paper).first()
    return fingerprint(votes, resolution)


def fingerprint(votes, resolution: Resolution | None) -> str:
    """``votes_seen`` of (user_id, decision, reason_id) votes and the standing resolution (or None), so a page
    that prefetched them draws the same fingerprint without a query a paper. The resolution is in it, so a
    resolver who decides on a paper another resolver settled meanwhile is told rather than overwriting it."""
    parts = sorted(f"{user}:{decision}:{reason}" for user, decision, reason in votes)
    if resolution is not None:
        parts.append(f"resolved:{resolution.pk}:{resolution.resolved_at.isoformat()}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def resolution_state(resolution: Resolution) -> dict:
    state = {"decision": resolution.decision, "note": resolution.note}
    if resolution.reason_id is not None:
        state.update(reason_id=resolution.reason_id, reason=resolution.reason.label if resolution.reason else "")
    return state


def resolve(
    membership: Membership, paper_id: int, decision: str, reason_id: int | None = None, note: str = "",
    *, seen: str | None = None,
) -> Resolution:  # fmt: skip
    """An owner's or resolver's final decision on a paper the screeners disagreed on (or, under the strict
    rule, were all unsure of). ``seen`` is ``votes_seen()`` as the resolver saw the paper."""
    if not membership.can_resolve:
        raise NotAllowed("Only the review's owners and resolvers record final decisions.")
    if decision not in FinalChoice.values:
        raise Refused("A final decision is include or exclude.")
    if len(note) > NOTE_MAX_LENGTH:
        raise Refused(f"A note is at most {NOTE_MAX_LENGTH} characters.")
    with transaction.atomic():
        review_paper = (
            ReviewPaper.objects.select_for_update(of=("self",))
            .filter(review_id=membership.review_id, paper_id=paper_id)
            .first()
        )
        if review_paper is None:
            raise PaperGone
        if review_paper.team_status not in (*NEEDS_RESOLUTION, TeamStatus.RESOLVED):
            status = review_paper.get_team_status_display().lower()
            raise Stale(f"This paper is no longer in conflict (it is {status} now), so there is nothing to resolve.")
        if seen is not None and seen != votes_seen(review_paper):
            raise Stale(STALE_MESSAGE)
        reason = None
        if decision == FinalChoice.EXCLUDE and reason_id is not None:
            reason = ExclusionReason.objects.select_for_update().filter(pk=reason_id).first()
            if reason is None:
                raise Gone("That exclusion reason was just deleted; choose another.")
            if reason.review_id != membership.review_id:
                raise Refused("That exclusion reason is not one of this review's.")
        existing = Resolution.objects.filter(review_id=membership.review_id, paper_id=paper_id).first()
        before = resolution_state(existing) if existing and existing.reopened_at is None else None
        resolution, _ = Resolution.objects.update_or_create(
            review_id=membership.review_id,
            paper_id=paper_id,
            defaults={
                "decision": decision, "reason": reason, "note": note, "resolved_by": membership.user,
                "resolved_at": timezone.now(), "reopened_at": None, "reopened_by": None,
            },
        )  # fmt: skip
        record(membership, paper_id, ChangeKind.RESOLUTION, before, resolution_state(resolution))
        _recount(review_paper, DECISIONS)
        retrain_soon(membership.review_id, everyone=True)
    return resolution


NOTE_MAX_LENGTH = 2000
STALE_MESSAGE = (
    "The votes on this paper (or its final decision) changed since you opened it. Look at them again, then decide."
)


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
        record(membership, paper_id, ChangeKind.COMMENT, None, comment_state(comment), subject=comment.pk)
        _recount(review_paper, COMMENTS)
    return comment


def comment_state(comment: Comment) -> dict:
    state = {"body": comment.body}
    if comment.quote:
        state["quote"] = comment.quote
    return state


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
        before = comment_state(comment)
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        record(membership, comment.paper_id, ChangeKind.COMMENT, before, comment_state(comment), subject=comment.pk)
    return comment


def delete_comment(membership: Membership, comment: Comment) -> None:
    """Delete the member's comment. It is kept, marked deleted, so that its author or an owner can restore it;
    the thread shows it as a placeholder only while replies to it stand."""
    with locked_paper(membership, comment.paper_id) as review_paper:
        comment = _own_comment(membership, comment)
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["deleted_at"])
        record(membership, comment.paper_id, ChangeKind.COMMENT, comment_state(comment), None, subject=comment.pk)
        _recount(review_paper, COMMENTS)


def restore_comment(membership: Membership, comment_id: int) -> Comment:
    """Bring back a deleted comment of the review: its author may, and so may an owner."""
    comment = Comment.objects.filter(pk=comment_id, review_id=membership.review_id).first()
    if comment is None or comment.deleted_at is None:
        raise Gone("That comment is not deleted (or no longer exists), so there is nothing to restore.")
    if comment.author_id != membership.user_id and not membership.is_owner:
        raise NotAllowed("Only the comment's author or an owner can restore it.")
    with locked_paper(membership, comment.paper_id) as review_paper:
        comment = Comment.objects.select_for_update().filter(pk=comment_id).exclude(deleted_at=None).first()
        if comment is None:
            raise Gone("That comment was just restored by someone else.")
        comment.deleted_at = None
        comment.save(update_fields=["deleted_at"])
        # "deleted" before, so the history tells a restore from a new comment.
        before = {"deleted": True}
        record(membership, comment.paper_id, ChangeKind.COMMENT, before, comment_state(comment), subject=comment.pk)
        _recount(review_paper, COMMENTS)
    return comment


def set_comments_hidden(comments, hidden: bool, user=None) -> int:
    """A curator (``user``) hides (or shows again) comments; how many changed. Their papers' comment counts
    follow."""
    with transaction.atomic():
        pks = lock_papers(_papers_of(comments))
        changing = list(comments.filter(hidden=not hidden).values_list("pk", "review_id", "paper_id"))
        changed = Comment.objects.filter(pk__in=[pk for pk, _, _ in changing]).update(hidden=hidden)
        for review_id, paper_ids in _by_review((review_id, (paper_id, pk)) for pk, review_id, paper_id in changing):
            record_many(
                review_id,
                user,
                ChangeKind.COMMENT,
                [(paper_id, {"hidden": not hidden}, {"hidden": hidden}, pk) for paper_id, pk in paper_ids],
            )
        recount(pks, [COMMENTS])
    return changed


def delete_annotations(annotations, user=None) -> int:
    """A curator (``user``) deletes annotations outright (a queryset of comments, scores, decisions or tag
    assignments; a comment's replies go with it); how many rows went. Their papers are recounted."""
    with transaction.atomic():
        pks = lock_papers(_papers_of(annotations))
        recorded = _with_replies(annotations) if annotations.model is Comment else annotations
        for review_id, states in _by_review(_deleted_states(recorded)):
            record_many(review_id, user, states[0][0], [state[1:] for state in states])
        deleted, _ = annotations.delete()
        recount(pks)
    return deleted


def _deleted_states(annotations) -> Iterator[tuple[int, tuple]]:
    """(review_id, (kind, paper_id, before, None, subject)) for each row a curator's delete takes away."""
    model = annotations.model
    related = {ScreeningDecision: ["reason"], PaperTag: ["tag"]}.get(model, [])
    for row in annotations.select_related(*related).iterator(chunk_size=BATCH_SIZE):
        if model is ScreeningDecision:
            state = (ChangeKind.DECISION, row.paper_id, decision_state(row.decision, row.reason), None, "")
        elif model is Score:
            state = (ChangeKind.SCORE, row.paper_id, {"score": row.value}, None, "")
        elif model is PaperTag:
            state = (ChangeKind.TAG, row.paper_id, {"tag": row.tag.name}, None, row.tag_id)
        else:
            state = (ChangeKind.COMMENT, row.paper_id, comment_state(row), None, row.pk)
        yield row.review_id, state


def _with_replies(comments):
    """The comments and every reply below them, which their delete takes along."""
    ids = frontier = set(comments.values_list("pk", flat=True))
    while frontier:
        frontier = set(Comment.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids = ids | frontier
    return Comment.objects.filter(pk__in=sorted(ids))


def _by_review(pairs) -> list[tuple[int, list]]:
    grouped: dict[int, list] = defaultdict(list)
    for review_id, item in pairs:
        grouped[review_id].append(item)
    return list(grouped.items())


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
        new_decisions = _not_there_yet(ScreeningDecision, review, decisions, "user_id")
        new_scores = _not_there_yet(Score, review, scores, "user_id")
        new_tags = _not_there_yet(PaperTag, review, paper_tags, "tag_id", "applied_by_id")
        for model, group in ((ScreeningDecision, decisions), (Score, scores), (PaperTag, paper_tags)):
            model.objects.bulk_create(group, batch_size=BATCH_SIZE, ignore_conflicts=True)
        Comment.objects.bulk_create(comments, batch_size=BATCH_SIZE)
        _record_bulk(review, new_decisions, new_scores, new_tags, comments)
        recount(pks)
        if decisions:
            retrain_soon(review.pk, everyone=True)
    return {name: len(group) for name, group in groups.items()}


def _not_there_yet(model, review: Review, rows, *keys: str) -> list:
    """The rows of ``rows`` (unsaved) with no row of ``model`` on the same paper and ``keys`` yet, first of each."""
    wanted = {(row.paper_id, *(getattr(row, key) for key in keys)) for row in rows}
    there = set()
    for start in range(0, len(rows), BATCH_SIZE * 10):
        paper_ids = {row.paper_id for row in rows[start : start + BATCH_SIZE * 10]}
        existing = model.objects.filter(review=review, paper_id__in=paper_ids).values_list("paper_id", *keys)
        there.update(pair for pair in existing if pair in wanted)
    new, seen = [], set()
    for row in rows:
        pair = (row.paper_id, *(getattr(row, key) for key in keys))
        if pair not in there and pair not in seen:
            seen.add(pair)
            new.append(row)
    return new


def _record_bulk(review: Review, decisions, scores, paper_tags, comments) -> None:
    """The history of a bulk load: who made each row, as if they had made it one at a time."""
    by_user: dict[tuple[str, int | None], list] = defaultdict(list)
    reasons = ExclusionReason.objects.in_bulk({row.reason_id for row in decisions} - {None})
    for row in decisions:
        state = decision_state(row.decision, reasons.get(row.reason_id))
        by_user[ChangeKind.DECISION, row.user_id].append((row.paper_id, None, state))
    for row in scores:
        by_user[ChangeKind.SCORE, row.user_id].append((row.paper_id, None, {"score": row.value}))
    tag_names = dict(Tag.objects.filter(review=review).values_list("pk", "name"))
    for row in paper_tags:
        state = {"tag": tag_names.get(row.tag_id, "")}
        by_user[ChangeKind.TAG, row.applied_by_id].append((row.paper_id, None, state, row.tag_id))
    for row in comments:
        by_user[ChangeKind.COMMENT, row.author_id].append((row.paper_id, None, comment_state(row), row.pk))
    for (kind, user_id), changes in by_user.items():
        record_many(review.pk, user_id, kind, changes)


def repair_summaries(review_paper_pks: list[int]) -> None:
    """Lock these ReviewPaper rows and recount every summary column (``manage.py check_summaries --fix``)."""
    with transaction.atomic():
        recount(_lock_rows(review_paper_pks))
