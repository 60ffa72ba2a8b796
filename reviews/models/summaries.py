"""The one rule for ReviewPaper's summary columns: SQL expressions over the annotation rows of the same paper.

The same expressions recount one paper after an annotation (an UPDATE of one row), rebuild many (an UPDATE of
many) and check stored columns (``manage.py check_summaries``), so the three cannot disagree.
"""

from django.apps import apps
from django.db import models
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)  # fmt: skip
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan

from .annotations import Comment, DecisionChoice, Score, ScreeningDecision


class TeamStatus(models.TextChoices):
    """Where a paper stands with the team: no votes, fewer than the review requires, agreed, split, or settled by
    a resolver. Agreement follows the review's conflict rule (is Maybe with Include, or apart from it?)."""

    UNDECIDED = "undecided", "Undecided"
    AWAITING = "awaiting", "Awaiting screeners"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"
    MAYBE = "maybe", "Maybe"
    CONFLICT = "conflict", "Conflict"
    RESOLVED = "resolved", "Resolved"


# Statuses of a paper that has all the decisions it needs.
SCREENED_STATUSES = (
    TeamStatus.INCLUDED,
    TeamStatus.EXCLUDED,
    TeamStatus.MAYBE,
    TeamStatus.CONFLICT,
    TeamStatus.RESOLVED,
)
# Statuses that wait for an owner or resolver: a split vote, or (strict rule) everyone unsure.
NEEDS_RESOLUTION = (TeamStatus.CONFLICT, TeamStatus.MAYBE)


# The parts of a summary, each recounted when its kind of annotation changes.
DECISIONS, SCORES, COMMENTS = "decisions", "scores", "comments"
PARTS = (DECISIONS, SCORES, COMMENTS)
COLUMNS = {
    DECISIONS: ("include_count", "maybe_count", "exclude_count", "team_status", "final_decision", "final_reason_id"),
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


def _of_review(field: str, output_field):
    """A field of the outer ReviewPaper's review (an UPDATE cannot join, so a subquery)."""
    review_model = apps.get_model("reviews", "Review")
    return Subquery(review_model.objects.filter(pk=OuterRef("review")).values(field)[:1], output_field=output_field)


def _standing_resolution(field: str, output_field):
    resolutions = apps.get_model("reviews", "Resolution").objects.standing()
    mine = resolutions.filter(review=OuterRef("review"), paper=OuterRef("paper"))
    return Subquery(mine.values(field)[:1], output_field=output_field)


def team_status_of(prefix: str = "") -> Case:
    """The team status from the decision counts in the columns (or annotations) ``{prefix}{decision}_count``, the
    review's required screeners and conflict rule, and a standing resolution; see TeamStatus."""
    include, maybe, exclude = (F(f"{prefix}{choice}_count") for choice in DecisionChoice.values)
    decided = include + maybe + exclude
    kinds = sum(
        (Case(When(GreaterThan(count, 0), then=Value(1)), default=Value(0)) for count in (include, maybe, exclude)),
        start=Value(0),
    )
    return Case(
        When(Exact(decided, 0), then=Value(TeamStatus.UNDECIDED)),
        When(LessThan(decided, _of_review("required_screeners", IntegerField())), then=Value(TeamStatus.AWAITING)),
        When(IsNull(_standing_resolution("pk", IntegerField()), False), then=Value(TeamStatus.RESOLVED)),
        When(
            Q(GreaterThan(kinds, 1), Exact(_of_review("conflict_rule", models.CharField()), "strict"))
            | Q(GreaterThan(include + maybe, 0), GreaterThan(exclude, 0)),
            then=Value(TeamStatus.CONFLICT),
        ),
        When(GreaterThan(include, 0), then=Value(TeamStatus.INCLUDED)),
        When(
            Q(GreaterThan(maybe, 0), Exact(_of_review("conflict_rule", models.CharField()), "strict")),
            then=Value(TeamStatus.MAYBE),
        ),
        When(GreaterThan(maybe, 0), then=Value(TeamStatus.INCLUDED)),
        default=Value(TeamStatus.EXCLUDED),
        output_field=models.CharField(),
    )


def final_expressions(prefix: str = "") -> dict:
    """``final_decision`` and ``final_reason_id`` from the team status in ``{prefix}team_status``: a standing
    resolution's, else what the screeners agreed (the reason most excluders gave, ties to the review's first)."""
    status = F(f"{prefix}team_status")
    reasons = (
        ScreeningDecision.objects.filter(review=OuterRef("review"), paper=OuterRef("paper"), reason__isnull=False)
        .order_by()
        .values("reason")
        .annotate(given=Count("pk"))
        .order_by("-given", "reason__position", "reason__label")
        .values("reason")[:1]
    )
    return {
        "final_decision": Case(
            When(Exact(status, TeamStatus.RESOLVED), then=_standing_resolution("decision", models.CharField())),
            When(Exact(status, TeamStatus.INCLUDED), then=Value("include")),
            When(Exact(status, TeamStatus.EXCLUDED), then=Value("exclude")),
            default=Value(""),
            output_field=models.CharField(),
        ),
        "final_reason_id": Case(
            When(Exact(status, TeamStatus.RESOLVED), then=_standing_resolution("reason", IntegerField())),
            When(Exact(status, TeamStatus.EXCLUDED), then=Subquery(reasons, output_field=IntegerField())),
            default=Value(None),
            output_field=IntegerField(),
        ),
    }
