"""A paper's similar papers as a member of a review sees them: each with the review's row for it, my decision,
and the team's status where blind mode lets the member see it (reviews/blinding.py)."""

from dataclasses import dataclass

from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery

from papers.models import Paper, SimilarPaper

from .blinding import team_visible
from .models import ExclusionReason, Membership, ReviewPaper, ScreeningDecision

# What a similar paper's row shows of the review's row: its status, votes and final decision.
REVIEW_PAPER_COLUMNS = (
    "id",
    "team_status",
    "include_count",
    "maybe_count",
    "exclude_count",
    "final_decision",
    "final_reason_id",
)


@dataclass
class SimilarInReview:
    paper: Paper
    score: float
    rank: int
    # The review's row for the paper, marked like the panel's (my_decision, team_visible), or None when the paper
    # is not in the review.
    rp: ReviewPaper | None


def similar_in_review(membership: Membership, paper_id: int) -> list[SimilarInReview]:
    """The stored neighbours of ``paper_id``, best first, joined to the review's rows and the member's decisions
    in one query."""
    review = membership.review
    mine = {"review": review, "paper": OuterRef("similar"), "user": membership.user}
    # The review's row for each neighbour comes by a LEFT JOIN (None when the paper is not in the review); its
    # columns are read as values and the row rebuilt, since select_related cannot follow this filtered relation.
    columns = {name: F(f"in_review__{name}") for name in REVIEW_PAPER_COLUMNS}
    rows = SimilarPaper.objects.of(paper_id).annotate(
        in_review=FilteredRelation("similar__review_papers", condition=Q(similar__review_papers__review=review)),
        my_decision=Subquery(ScreeningDecision.objects.filter(**mine).values("decision")[:1]),
        my_reason_id=Subquery(ScreeningDecision.objects.filter(**mine).values("reason")[:1]),
        final_reason_label=F("in_review__final_reason__label"),
        **{f"rp_{name}": expression for name, expression in columns.items()},
    )
    listed = []
    for row in rows:
        review_paper = None
        if row.rp_id is not None:
            review_paper = ReviewPaper(
                review=review, paper=row.similar, **{name: getattr(row, f"rp_{name}") for name in REVIEW_PAPER_COLUMNS}
            )
            if review_paper.final_reason_id is not None:
                review_paper.final_reason = ExclusionReason(
                    pk=review_paper.final_reason_id, review=review, label=row.final_reason_label
                )
            review_paper.my_decision = row.my_decision
            review_paper.my_reason_id = row.my_reason_id
            review_paper.team_visible = team_visible(membership, review_paper)
        listed.append(SimilarInReview(paper=row.similar, score=row.score, rank=row.rank, rp=review_paper))
    return listed
