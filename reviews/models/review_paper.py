"""A paper in a review, with the team's annotations summed up so the review's list filters and sorts on columns."""

import functools
import math

from django.db import connections, models
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.sql.subqueries import UpdateQuery
from django.urls import reverse

from papers.querysets import search_queryset

from .annotations import PaperTag, Score, ScreeningDecision
from .summaries import COLUMNS, DECISIONS, PARTS, TeamStatus, counted_expressions, final_expressions, team_status_of

# A recount of one row follows every annotation, and Django took longer to build and compile its UPDATEs (2–3 ms
# a decision, measured by `make bench`) than the database takes to run them. So each kind of recount is compiled
# once per database, with this stand-in for the row's key, which no row has and no other parameter equals.
ROW_KEY_STAND_IN = -(2**62)


@functools.cache
def row_recount_statements(parts: tuple[str, ...], alias: str) -> list[tuple[str, tuple]]:
    """The (sql, params) that ``recount(parts)`` of the row ``ROW_KEY_STAND_IN`` runs on the database ``alias``."""
    row = ReviewPaper.objects.using(alias).filter(pk=ROW_KEY_STAND_IN)
    updates = [counted_expressions(parts)]
    if DECISIONS in parts:
        updates += [{"team_status": team_status_of()}, final_expressions()]
    statements = []
    for values in updates:
        query = row.query.chain(UpdateQuery)
        query.add_update_values(values)
        statements.append(query.get_compiler(alias).as_sql())
    return statements


def annotated(model, **lookups):
    """Whether the row's paper has an annotation of ``model`` in its review matching ``lookups`` (an EXISTS)."""
    return Exists(model.objects.filter(review=OuterRef("review"), paper=OuterRef("paper"), **lookups))


class ReviewPaperQuerySet(models.QuerySet):
    def search(self, text: str):
        return search_queryset(self, text, paper_path="paper__")

    def with_my_annotations(self, user):
        """Annotate ``my_decision``, ``my_reason_id`` and ``my_score`` for ``user`` (a subquery each)."""
        mine = {"review": OuterRef("review"), "paper": OuterRef("paper"), "user": user}
        return self.annotate(
            my_decision=Subquery(ScreeningDecision.objects.filter(**mine).values("decision")[:1]),
            my_reason_id=Subquery(ScreeningDecision.objects.filter(**mine).values("reason")[:1]),
            my_score=Subquery(Score.objects.filter(**mine).values("value")[:1]),
        )

    def for_panels(self, review, user):
        """A review's papers with all an annotation panel shows, in a fixed number of queries."""
        applied = (
            PaperTag.objects.filter(review=review)
            .select_related("tag", "applied_by")
            .order_by("tag__normalised_name", "applied_at", "pk")
        )
        return (
            self.filter(review=review)
            .select_related("paper", "review", "final_reason")
            .defer("paper__search_document")
            .with_my_annotations(user)
            .prefetch_related(Prefetch("paper__paper_tags", queryset=applied, to_attr="review_tags"))
            .order_by("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
        )

    # ``visible_to``: a member blind mode hides others' tags from; their filters match only the tags they applied,
    # or anyone's on a paper they have decided on in ``review`` (the tags' review).
    # One small set of paper ids, read from the tag rows (the small side): each row of the chosen tags is kept if
    # the member applied it or has a decision on its paper. The decisions are named by review as well as member, so
    # PostgreSQL reads the member's decided papers from decision_by_user_paper alone (an index-only scan) instead
    # of every decision row of the member. An OR of two EXISTS on the review's rows took 1.7 s on 100,000 papers;
    # a UNION of the member's tagged papers and a join of tags to decisions 0.67 s on a million (`make bench`).
    @staticmethod
    def _tagged(visible_to, review, **tag_lookups):
        if visible_to is None:
            return annotated(PaperTag, **tag_lookups)
        # Not correlated with the outer row (a tag belongs to one review), so the set is read once.
        decided = ScreeningDecision.objects.filter(review=OuterRef("review"), user=visible_to, paper=OuterRef("paper"))
        if review is not None:
            decided = decided.filter(review=review)
        visible = PaperTag.objects.filter(Q(applied_by=visible_to) | Exists(decided), **tag_lookups).order_by()
        return Q(paper__in=visible.values("paper_id"))

    def tagged_with_any(self, tags, *, visible_to=None, review=None):
        return self.filter(self._tagged(visible_to, review, tag__in=tags))

    def tagged_with_all(self, tags, *, visible_to=None, review=None):
        queryset = self
        for tag in tags:
            queryset = queryset.filter(self._tagged(visible_to, review, tag=tag))
        return queryset

    def tagged_with_none(self, tags, *, visible_to=None, review=None):
        return self.exclude(self._tagged(visible_to, review, tag__in=tags))

    def decided_by(self, user, decision: str):
        """Papers ``user`` gave ``decision``."""
        return self.filter(annotated(ScreeningDecision, user=user, decision=decision))

    def scored_by(self, user, **value_lookups):
        """Papers ``user`` scored, with the score matching ``value_lookups`` (``value__gte=4``)."""
        return self.filter(annotated(Score, user=user, **value_lookups))

    def not_screened_by(self, user):
        return self.exclude(annotated(ScreeningDecision, user=user))

    def _column_ordering(self) -> list[str] | None:
        """The queryset's order if it is one of plain columns (``-paper__submitted_month``…), which rows can be
        compared on; None for a rank or another expression, named (a search's ``-rank``) or not."""
        ordering = list(self.query.order_by)
        plain = all(isinstance(field, str) and field.lstrip("-") not in self.query.annotations for field in ordering)
        return ordering if ordering and plain else None

    @staticmethod
    def _beyond(ordering: list[str], values: dict, *, after: bool) -> Q:
        """Rows ordered before (or ``after``) a row whose ordering columns hold ``values``: beyond it on the first
        column, or equal on it and beyond on the next…"""
        columns = [field.lstrip("-") for field in ordering]
        condition = Q(pk__in=[])
        for depth, field in enumerate(ordering):
            lookup = "lt" if field.startswith("-") == after else "gt"
            same = {column: values[column] for column in columns[:depth]}
            condition |= Q(**same, **{f"{columns[depth]}__{lookup}": values[columns[depth]]})
        return condition

    def _ordering_values(self, ordering: list[str], rows) -> dict | None:
        values = rows.values(*(field.lstrip("-") for field in ordering)).first()
        if values is None or None in values.values():
            return None
        return values

    def position_of_first_not_screened_by(self, user) -> int | None:
        """The 1-based place, in this queryset's order, of the first paper ``user`` has not decided on; None if
        there is none, or if the order is not one of plain columns this can compare."""
        ordering = self._column_ordering()
        if ordering is None or (first := self._ordering_values(ordering, self.not_screened_by(user))) is None:
            return None
        return self.filter(self._beyond(ordering, first, after=False)).count() + 1

    def neighbours_of(self, review_paper: "ReviewPaper") -> tuple[int | None, int | None] | None:
        """The paper ids just before and after ``review_paper`` in this queryset's order (it need not be in the
        queryset itself, so Next goes on from where a paper the filters now leave out was); None if the order
        is not one of plain columns this can compare."""
        ordering = self._column_ordering()
        if ordering is None:
            return None
        values = self._ordering_values(ordering, self.model.objects.filter(pk=review_paper.pk))
        if values is None:
            return None
        backwards = [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]
        previous = self.filter(self._beyond(ordering, values, after=False)).order_by(*backwards)
        following = self.filter(self._beyond(ordering, values, after=True))
        return (
            previous.values_list("paper_id", flat=True).first(),
            following.values_list("paper_id", flat=True).first(),
        )

    def recount(self, parts=PARTS) -> int:
        """Recompute the summary columns of these rows from the annotation tables; how many rows were updated.

        Writers lock the rows first (reviews/annotating.py), so no annotation lands between count and write.
        Select the rows by key, not by summary columns: the team status and the final decision are set by second
        and third UPDATEs of the same set.
        """
        updated = self.update(**counted_expressions(parts))
        if DECISIONS in parts:
            self.restatus()
        return updated

    def restatus(self) -> None:
        """Re-derive these rows' team status and final decision from their stored decision counts (the two steps
        of a decisions recount that follow the counts; alone, when only the review's rules changed)."""
        self.update(team_status=team_status_of())
        self.update(**final_expressions())

    def recount_row(self, pk: int, parts=PARTS) -> None:
        """``recount()`` of the one row ``pk``, as every annotation does, with statements compiled only once."""
        with connections[self.db].cursor() as cursor:
            for sql, params in row_recount_statements(tuple(parts), self.db):
                cursor.execute(sql, [pk if param == ROW_KEY_STAND_IN else param for param in params])

    def summary_mismatches(self):
        """Yield (row, {column: (stored, recounted)}) for each row whose summary columns disagree with a recount."""
        recounted = {f"recounted_{column}": expression for column, expression in counted_expressions().items()}
        named_by = ("paper__arxiv_id", "paper__version", "paper__doi", "paper__pmid")
        rows = self.select_related("paper").only(*named_by, "review_id", *self.model.SUMMARY_COLUMNS)
        rows = rows.annotate(**recounted).annotate(recounted_team_status=team_status_of(prefix="recounted_"))
        finals = final_expressions(prefix="recounted_")
        rows = rows.annotate(**{f"recounted_{column}": expression for column, expression in finals.items()})
        for row in rows.order_by("pk").iterator(chunk_size=2000):
            differences = {}
            for column in self.model.SUMMARY_COLUMNS:
                stored, recount = getattr(row, column), getattr(row, f"recounted_{column}")
                same = stored == recount or (
                    isinstance(stored, float) and recount is not None and math.isclose(stored, recount)
                )
                if not same:
                    differences[column] = (stored, recount)
            if differences:
                yield row, differences


class ReviewPaper(models.Model):
    """A paper in a review, with the team's annotations summed up so lists can filter and sort on columns.

    The summary columns are derived data, kept true by reviews/annotating.py (which recounts them with
    ``recount()`` in the same transaction as each change) and checked by ``manage.py check_summaries``.
    """

    SUMMARY_COLUMNS = tuple(column for part in PARTS for column in COLUMNS[part])

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="review_papers")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="review_papers")
    added_at = models.DateTimeField(auto_now_add=True)
    team_status = models.CharField(max_length=10, choices=TeamStatus.choices, default=TeamStatus.UNDECIDED)
    include_count = models.PositiveIntegerField(default=0)
    maybe_count = models.PositiveIntegerField(default=0)
    exclude_count = models.PositiveIntegerField(default=0)
    score_count = models.PositiveIntegerField(default=0)
    score_mean = models.FloatField(null=True, blank=True)
    score_min = models.PositiveSmallIntegerField(null=True, blank=True)
    score_max = models.PositiveSmallIntegerField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)
    # What counts, filters and exports use: a standing resolution, else what the required screeners agreed.
    final_decision = models.CharField(max_length=10, blank=True, default="")
    final_reason = models.ForeignKey(
        "reviews.ExclusionReason", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReviewPaperQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "paper"], name="paper_once_per_review")]
        indexes = [
            models.Index(fields=["review", "team_status"], name="reviewpaper_status"),
            # PostgreSQL also gets reviewpaper_mean_order (migration 0002) for the nulls-last sort by mean.
            models.Index(fields=["review", "score_mean"], name="reviewpaper_mean"),
            models.Index(fields=["review", "comment_count"], name="reviewpaper_comments"),
            models.Index(fields=["review", "final_decision"], name="reviewpaper_final"),
        ]

    def __str__(self):
        return f"{self.paper.display_id} in {self.review}"

    def get_absolute_url(self):
        return reverse("reviews:paper", args=[self.review.slug, self.paper.key])

    @property
    def score_spread(self) -> int | None:
        if self.score_min is None:
            return None
        return self.score_max - self.score_min
