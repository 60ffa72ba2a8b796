"""Keeping ReviewPaper's summary columns true to the annotation rows they sum up."""

from django.db.models import Avg, Count, Max, Min

from .models import Comment, DecisionChoice, ReviewPaper, Score, ScreeningDecision, TeamStatus


def team_status_for(include: int, maybe: int, exclude: int) -> str:
    """The team's status: undecided with no decisions, conflict when reviewers disagree, else the shared one."""
    kinds = [
        status
        for status, count in ((TeamStatus.INCLUDED, include), (TeamStatus.MAYBE, maybe), (TeamStatus.EXCLUDED, exclude))
        if count
    ]
    if not kinds:
        return TeamStatus.UNDECIDED
    if len(kinds) > 1:
        return TeamStatus.CONFLICT
    return kinds[0]


def refresh_decisions(review_paper: ReviewPaper) -> None:
    counts = dict(
        ScreeningDecision.objects.filter(review_id=review_paper.review_id, paper_id=review_paper.paper_id)
        .values_list("decision")
        .annotate(n=Count("pk"))
        .order_by()
    )
    review_paper.include_count = counts.get(DecisionChoice.INCLUDE, 0)
    review_paper.maybe_count = counts.get(DecisionChoice.MAYBE, 0)
    review_paper.exclude_count = counts.get(DecisionChoice.EXCLUDE, 0)
    review_paper.team_status = team_status_for(
        review_paper.include_count, review_paper.maybe_count, review_paper.exclude_count
    )
    review_paper.save(update_fields=["include_count", "maybe_count", "exclude_count", "team_status"])


def refresh_scores(review_paper: ReviewPaper) -> None:
    figures = Score.objects.filter(review_id=review_paper.review_id, paper_id=review_paper.paper_id).aggregate(
        count=Count("pk"), mean=Avg("value"), low=Min("value"), high=Max("value")
    )
    review_paper.score_count = figures["count"]
    review_paper.score_mean = figures["mean"]
    review_paper.score_min = figures["low"]
    review_paper.score_max = figures["high"]
    review_paper.save(update_fields=["score_count", "score_mean", "score_min", "score_max"])


def refresh_comments(review_paper: ReviewPaper) -> None:
    review_paper.comment_count = (
        Comment.objects.visible()
        .filter(review_id=review_paper.review_id, paper_id=review_paper.paper_id, deleted_at=None)
        .count()
    )
    review_paper.save(update_fields=["comment_count"])
