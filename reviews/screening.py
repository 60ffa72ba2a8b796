"""Screening mode's rules: which paper a member screens next, and how far they are.

A paper needs my decision when I have not decided it, it is still short of the review's required decisions
(a paper others have screened enough does not need me), and, once the review has any assignments, it is
assigned to me. Papers come most likely relevant first when the review screens by priority and the member's
priority order can rank (reviews/priority.py), else in the review list's order, newest first.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from papers.models import Paper

from .models import Assignment, Membership, ReviewPaper, ScreeningDecision, TeamStatus

# The statuses of a paper with fewer decisions than the review requires.
SHORT_OF_DECISIONS = (TeamStatus.UNDECIDED, TeamStatus.AWAITING)
ORDER = ("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")


def uses_assignments(membership: Membership) -> bool:
    return Assignment.objects.filter(review_id=membership.review_id).exists()


def to_screen_by(membership: Membership, *, assigned: bool | None = None):
    """The review's papers that need the member's decision, in the list's order."""
    if assigned is None:
        assigned = uses_assignments(membership)
    papers = ReviewPaper.objects.filter(review_id=membership.review_id, team_status__in=SHORT_OF_DECISIONS)
    papers = papers.exclude(decided_by(membership))
    if assigned:
        papers = papers.filter(assigned_to(membership))
    return papers.order_by(*ORDER)


def decided_by(membership: Membership) -> Exists:
    return Exists(
        ScreeningDecision.objects.filter(review_id=membership.review_id, paper=OuterRef("paper"), user=membership.user)
    )


def assigned_to(membership: Membership) -> Exists:
    return Exists(
        Assignment.objects.filter(review_id=membership.review_id, paper=OuterRef("paper"), user=membership.user)
    )


def next_for(
    membership: Membership, *, assigned: bool | None = None, after: int | None = None, order=None
) -> int | None:
    """The id of the next paper the member should screen, or None when nothing is left for them.

    ``after`` is the paper just decided: the search starts at its place in the order, so it does not walk again
    over every paper the member has already screened (PostgreSQL reads the papers in the list's order and stops
    at the first that needs them). Only when nothing is left after it does the search start from the top, where a
    paper may need them again (a decision cleared, papers added). ``order``, a ready PriorityOrder, replaces the
    newest-first order: its first paper that needs the member, whatever was decided just before.
    """
    papers = to_screen_by(membership, assigned=assigned)
    if order is not None and order.ready:
        return order.first_of(papers)
    place = Paper.objects.filter(pk=after).values("submitted_month", "arxiv_id").first() if after else None
    if place and place["submitted_month"] is not None:
        month, arxiv_id = place["submitted_month"], place["arxiv_id"]
        later = (
            Q(paper__submitted_month__lt=month)
            | Q(paper__submitted_month=month, paper__arxiv_id__lt=arxiv_id)
            | Q(paper__submitted_month=month, paper__arxiv_id=arxiv_id, paper_id__lt=after)
        )
        # The redundant bound lets PostgreSQL start its walk of the order's index at the month, not the top.
        later &= Q(paper__submitted_month__lte=month)
        if (found := papers.filter(later).values_list("paper_id", flat=True).first()) is not None:
            return found
    return papers.values_list("paper_id", flat=True).first()


@dataclass(frozen=True)
class Progress:
    done: int
    left: int
    assigned: bool

    @property
    def total(self) -> int:
        return self.done + self.left

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def progress_of(membership: Membership, *, assigned: bool | None = None) -> Progress:
    """How many papers the member has screened (of those assigned to them, when the review assigns), and how
    many still need them."""
    if assigned is None:
        assigned = uses_assignments(membership)
    mine = ScreeningDecision.objects.filter(review_id=membership.review_id, user=membership.user)
    if assigned:
        mine = mine.filter(
            Exists(
                Assignment.objects.filter(review_id=membership.review_id, paper=OuterRef("paper"), user=membership.user)
            )
        )
    left = to_screen_by(membership, assigned=assigned).order_by().count()
    return Progress(done=mine.count(), left=left, assigned=assigned)
