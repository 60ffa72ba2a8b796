"""The one way to change who screens which paper: owners share a review's papers among reviewers.

Assigning papers replaces their earlier assignments, so that the new split is balanced: each chosen reviewer
gets as many papers as the others, or one more, and no paper goes twice to one person. A paper goes first to the
chosen reviewers who already decided on it (their decision then counts), so shares of papers decided before may
differ by more than one. The review's row is
locked while assigning, so two owners assigning at once take turns. Each call leaves one history row.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction

from .annotating import BATCH_SIZE, NotAllowed, Refused
from .history import record
from .models import (
    MAX_REQUIRED_SCREENERS,
    Assignment,
    ChangeKind,
    Membership,
    Review,
    ReviewPaper,
    ScreeningDecision,
    TeamStatus,
)

ORDER = ("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
# From this many new rows on, PostgreSQL is asked to refresh its statistics of the table.
ANALYZE_FROM = 10_000


@dataclass(frozen=True)
class Assigned:
    papers: int
    per_reviewer: dict[str, int]


def _check_owner(membership: Membership) -> None:
    if not membership.is_owner:
        raise NotAllowed("Only the review's owners assign papers.")


def _lock_review(review_id: int) -> None:
    list(Review.objects.select_for_update().filter(pk=review_id).values_list("pk", flat=True))


def assign_papers(
    membership: Membership,
    screener_ids,
    per_paper: int,
    *,
    only_unassigned: bool = False,
    only_unscreened: bool = False,
) -> Assigned:
    """Share the review's papers among the members ``screener_ids`` (Membership ids), ``per_paper`` reviewers a
    paper, round the list's order so each gets a mix; optionally only papers nobody is assigned or nobody has
    screened yet. Those papers' earlier assignments are replaced."""
    _check_owner(membership)
    if not 1 <= per_paper <= MAX_REQUIRED_SCREENERS:
        raise Refused(f"Each paper goes to 1 to {MAX_REQUIRED_SCREENERS} reviewers.")
    screener_ids = sorted(set(screener_ids))
    screeners = list(
        Membership.objects.filter(review_id=membership.review_id, pk__in=screener_ids).select_related("user")
    )
    if len(screeners) != len(screener_ids):
        raise Refused("Papers can only be assigned to members of this review.")
    if cannot := [m.user.get_username() for m in screeners if not m.can_screen]:
        raise Refused(f"Only owners and reviewers screen papers; {', '.join(cannot)} cannot be assigned any.")
    if per_paper > len(screeners):
        raise Refused(f"Each paper cannot go to {per_paper} reviewers when only {len(screeners)} are chosen.")
    screeners.sort(key=lambda m: m.user.get_username())
    with transaction.atomic():
        _lock_review(membership.review_id)
        papers = ReviewPaper.objects.filter(review_id=membership.review_id)
        if only_unassigned:
            papers = papers.exclude(paper__in=Assignment.objects.filter(review_id=membership.review_id).values("paper"))
        if only_unscreened:
            papers = papers.filter(team_status=TeamStatus.UNDECIDED)
        paper_ids = list(papers.order_by(*ORDER).values_list("paper_id", flat=True))
        replaced = _delete_assignments(membership.review_id, paper_ids)
        deciders = _deciders(membership.review_id, [m.user_id for m in screeners], only_unscreened)
        loads: Counter = Counter()
        rows = []
        count = len(screeners)
        position = 0
        for paper_id in paper_ids:
            already = deciders.get(paper_id, ())
            # Who already decided comes first; then the rotation, skipping the busiest, so that everyone's share
            # stays within one paper of the others' (exactly the plain rotation when nobody decided anything).
            chosen = sorted((m for m in screeners if m.user_id in already), key=lambda m: loads[m.user_id])
            chosen = chosen[:per_paper]
            rotation = sorted(
                (offset for offset in range(count) if screeners[(position + offset) % count] not in chosen),
                key=lambda offset: (loads[screeners[(position + offset) % count].user_id], offset),
            )
            picked = rotation[: per_paper - len(chosen)]
            chosen += [screeners[(position + offset) % count] for offset in picked]
            if picked:
                position = (position + max(picked) + 1) % count
            for screener in chosen:
                loads[screener.user_id] += 1
                rows.append(Assignment(review_id=membership.review_id, paper_id=paper_id, user_id=screener.user_id))
        Assignment.objects.bulk_create(rows, batch_size=BATCH_SIZE * 4)
        if len(rows) >= ANALYZE_FROM and connection.vendor == "postgresql":
            # Screening mode's query plans on these rows at once; autovacuum would see them only later.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Assignment._meta.db_table}")
        per_reviewer = {screener.user.get_username(): loads[screener.user_id] for screener in screeners}
        record(
            membership,
            None,
            ChangeKind.ASSIGNMENT,
            {"assignments": replaced} if replaced else None,
            {"papers": len(paper_ids), "per_paper": per_paper, "reviewers": per_reviewer},
        )
    return Assigned(papers=len(paper_ids), per_reviewer=per_reviewer)


def _deciders(review_id: int, user_ids: list[int], none: bool) -> dict[int, set[int]]:
    """Which of ``user_ids`` decided on each paper of the review (one query; nothing when ``none``)."""
    deciders: dict[int, set[int]] = {}
    if none:
        return deciders
    rows = ScreeningDecision.objects.filter(review_id=review_id, user_id__in=user_ids).values_list(
        "paper_id", "user_id"
    )
    for paper_id, user_id in rows.iterator(chunk_size=BATCH_SIZE * 4):
        deciders.setdefault(paper_id, set()).add(user_id)
    return deciders


def _delete_assignments(review_id: int, paper_ids: list[int]) -> int:
    deleted = 0
    for start in range(0, len(paper_ids), BATCH_SIZE * 4):
        batch = paper_ids[start : start + BATCH_SIZE * 4]
        deleted += Assignment.objects.filter(review_id=review_id, paper_id__in=batch).delete()[0]
    return deleted


def clear_assignments(membership: Membership) -> int:
    """Take back every assignment of the review (screening mode then offers every paper to everyone); how many."""
    _check_owner(membership)
    with transaction.atomic():
        _lock_review(membership.review_id)
        deleted, _ = Assignment.objects.filter(review_id=membership.review_id).delete()
        if deleted:
            record(membership, None, ChangeKind.ASSIGNMENT, {"assignments": deleted}, None)
    return deleted
