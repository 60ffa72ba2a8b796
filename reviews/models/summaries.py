"""The one rule for ReviewPaper's summary columns: SQL expressions over the annotation rows of the same paper.

The same expressions recount one paper after an annotation (an UPDATE of one row), rebuild many (an UPDATE of
many) and check stored columns (``manage.py check_summaries``), so the three cannot disagree.
"""

from django.db import models
from django.db.models import Avg, Case, Count, FloatField, IntegerField, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from .annotations import Comment, DecisionChoice, Score, ScreeningDecision


class TeamStatus(models.TextChoices):
    UNDECIDED = "undecided", "Undecided"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"
    MAYBE = "maybe", "Maybe"
    CONFLICT = "conflict", "Conflict"


# The parts of a summary, each recounted when its kind of annotation changes.
DECISIONS, SCORES, COMMENTS = "decisions", "scores", "comments"
PARTS = (DECISIONS, SCORES, COMMENTS)
COLUMNS = {
    DECISIONS: ("include_count", "maybe_count", "exclude_count", "team_status"),
    SCORES: ("score_count", "score_mean", "score_min", "score_max"),
    COMMENTS: ("comment_count",),
}


def _of_same_paper(queryset, aggregate, output_field):
    """``aggregate`` over the rows of ``queryset`` on the outer ReviewPaper's paper, as a subquery."""
    grouped = (
        queryset.filter(review=OuterRef("review"), paper=OuterRef("paper"))
        .order_by()
        .values("review", "paper")
        .annotate(result=aggregate)
        .values("result")
    )
    return Subquery(grouped, output_field=output_field)


def _count(queryset):
    return Coalesce(_of_same_paper(queryset, Count("pk"), IntegerField()), Value(0))


def counted_expressions(parts=PARTS) -> dict:
    """Column name → the expression that counts it for the outer ReviewPaper row, for every counted column of
    ``parts``. The team status is derived from the decision counts afterwards (``team_status_of``): one CASE
    over three subqueries costs Django several milliseconds to compile on every decision."""
    expressions = {}
    if DECISIONS in parts:
        expressions.update(
            {
                f"{choice}_count": _count(ScreeningDecision.objects.filter(decision=choice))
                for choice in DecisionChoice.values
            }
        )
    if SCORES in parts:
        expressions.update(
            score_count=_count(Score.objects),
            score_mean=_of_same_paper(Score.objects, Avg("value", output_field=FloatField()), FloatField()),
            score_min=_of_same_paper(Score.objects, Min("value"), IntegerField()),
            score_max=_of_same_paper(Score.objects, Max("value"), IntegerField()),
        )
    if COMMENTS in parts:
        expressions["comment_count"] = _count(Comment.objects.counted())
    return expressions


def team_status_of(prefix: str = "") -> Case:
    """The team status from the decision counts in the columns (or annotations) ``{prefix}{decision}_count``:
    undecided with no decisions, conflict when reviewers' decisions differ, else the decision they share."""
    include, maybe, exclude = (Q(**{f"{prefix}{choice}_count__gt": 0}) for choice in DecisionChoice.values)
    return Case(
        When(include & (maybe | exclude) | maybe & exclude, then=Value(TeamStatus.CONFLICT)),
        When(include, then=Value(TeamStatus.INCLUDED)),
        When(maybe, then=Value(TeamStatus.MAYBE)),
        When(exclude, then=Value(TeamStatus.EXCLUDED)),
        default=Value(TeamStatus.UNDECIDED),
        output_field=models.CharField(),
    )
