"""What an export holds: the papers of a review (all, or the list's filtered view in the list's order), each with
the team's work as one member may see it, read in chunks so a review of any size streams in flat memory.

Blind mode is not decided here: rows are marked by ``reviews.blinding.mark_visibility`` exactly as the list
page marks them, and each chunk keeps what the marks allow (everyone's decisions, scores, tags and the final
decision on a paper whose team work the member sees; else only their own). Comments follow the same marks, and
the history ``reviews.timeline.changes_seen_by``.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import SimpleNamespace
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from ..blinding import mark_visibility
from ..models import (
    Assignment,
    Comment,
    ExclusionReason,
    Membership,
    PaperTag,
    Resolution,
    Review,
    ReviewPaper,
    Role,
    Score,
    ScreeningDecision,
)
from ..models.annotations import arrange_thread
from ..views.pages import review_filterset

# Papers loaded at once: big enough that the six queries a chunk are a small part of its time, small enough that
# a chunk of long abstracts and threads stays a few megabytes (2000 was no quicker and grew memory by 20 MiB).
CHUNK_SIZE = 1000
LIST_ORDER = ("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
# The columns an export reads: leaving out the rest (the search vector, timestamps of the corpus rows) saves
# reading and converting them 100,000 times.
ROW_FIELDS = ("review_id", "paper_id", "added_at", "team_status", "final_decision", "final_reason_id")
PAPER_FIELDS = (
    "arxiv_id", "version", "doi", "pmid", "title", "authors", "abstract", "year", "month", "venue",
    "primary_category", "url", "extra", "submitted_month",
)  # fmt: skip


class ExportRefused(Exception):
    """An export that cannot be made as asked (a filter the list refuses); ``message`` says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class Vote(NamedTuple):
    """One screener's decision on a paper (``updated_at`` only in the archive)."""

    user_id: int
    user: str
    decision: str
    reason: str | None
    updated_at: datetime | None = None


class Mark(NamedTuple):
    """One screener's score on a paper (``updated_at`` only in the archive)."""

    user_id: int
    user: str
    value: int
    updated_at: datetime | None = None


@dataclass
class ExportRow:
    """One paper of the export with the work the viewer may see. ``final_decision``/``team_status`` are None when
    blind mode hides them; lists are in a stable order (by username, then tag name)."""

    review_paper: ReviewPaper
    final_decision: str | None
    final_reason: str | None
    team_status: str | None
    decisions: list[Vote] = field(default_factory=list)
    scores: list[Mark] = field(default_factory=list)
    tags: list = field(default_factory=list)  # PaperTag, with tag and applied_by loaded
    thread: list = field(default_factory=list)  # top-level Comments with ``thread_replies``, as pages show them
    comments: list = field(default_factory=list)  # every comment row the viewer may have (the archive's)
    resolution: Resolution | None = None
    assignments: list = field(default_factory=list)  # (username, assigned_at)

    @property
    def paper(self):
        return self.review_paper.paper

    def tag_names(self) -> list[str]:
        """Each tag on the paper once, by name."""
        return sorted({applied.tag.name for applied in self.tags}, key=str.casefold)


@dataclass
class EverythingView:
    """Who an export from the command line without ``--as`` is for: no one in particular, seeing everything an
    owner sees. It offers what blinding.py and the list's filters read of a Membership."""

    review: Review
    user = None
    user_id = None
    role = Role.OWNER
    sees_everything = True
    hides_others_comments = False
    is_owner = True
    can_resolve = True

    @property
    def review_id(self) -> int:
        return self.review.pk


class Export:
    """The papers ``viewer`` would see on the review list for ``query`` (the list's query string; empty for the
    whole review), in the list's order, and the team's work on them as ``viewer`` may see it."""

    def __init__(
        self, viewer: Membership | EverythingView, query: QueryDict | None = None, *, archive=False, strict=False
    ):
        """``archive``: also load resolutions, assignments and every comment row (what the JSONL archive holds).
        ``strict``: refuse a filter value the list would refuse; else leave it out, as the list does."""
        self.viewer = viewer
        self.review = viewer.review
        self.query = query if query is not None else QueryDict()
        self.archive = archive
        base = ReviewPaper.objects.filter(review=self.review).order_by(*LIST_ORDER)
        request = SimpleNamespace(GET=self.query, user=viewer.user)
        self.filterset = review_filterset(request, viewer, base)
        if strict and self.filterset.form.errors:
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in sorted(self.filterset.form.errors.items())
            )
            raise ExportRefused(f"The filter is not one the review list accepts ({problems}).")

    @property
    def sees_everything(self) -> bool:
        return self.viewer.sees_everything

    @property
    def scope(self) -> str:
        """``everything`` only when nothing at all is left out (an owner's view: a resolver does not see comments a
        curator hid); else ``as-seen-by:<username>``."""
        if self.viewer.user_id is None or self.viewer.is_owner:
            return "everything"
        return f"as-seen-by:{self.viewer.user.get_username()}"

    def paper_ids(self) -> Iterator[int]:
        """The exported papers' ids in the list's order, read from the database in chunks."""
        ids = self.filterset.qs.values_list("paper_id", flat=True)
        return ids.iterator(chunk_size=CHUNK_SIZE)

    def chunks(self) -> Iterator[list[ExportRow]]:
        """The export's rows, CHUNK_SIZE papers at a time, each chunk in a fixed number of queries."""
        chunk = []
        for paper_id in self.paper_ids():
            chunk.append(paper_id)
            if len(chunk) == CHUNK_SIZE:
                yield self.load(chunk)
                chunk = []
        if chunk:
            yield self.load(chunk)

    def rows(self) -> Iterator[ExportRow]:
        for chunk in self.chunks():
            yield from chunk

    def screeners(self) -> list[str]:
        """Usernames with a column of their own in a table: every member who screens, and anyone who left a
        decision or score in the review, sorted. The same for every viewer and filter, so headers never shift."""
        review = self.review
        screening = Membership.objects.filter(review=review, role__in=[Role.OWNER, Role.REVIEWER])
        people = get_user_model().objects.filter(
            Q(pk__in=screening.values("user_id"))
            | Q(pk__in=ScreeningDecision.objects.filter(review=review).values("user_id"))
            | Q(pk__in=Score.objects.filter(review=review).values("user_id"))
        )
        return sorted(people.values_list("username", flat=True))

    def load(self, paper_ids: list[int]) -> list[ExportRow]:
        """The rows of these papers, in this order. Decisions and scores are read as plain values, not model
        instances: on a big review building a model (and its user) for each of them cost most of the time."""
        review, viewer = self.review, self.viewer
        user_id = viewer.user_id
        by_paper = {review_paper.paper_id: review_paper for review_paper in self.panel_rows(paper_ids)}
        mark_visibility(viewer, by_paper.values())
        times = ("updated_at",) if self.archive else ()
        decisions, scores = defaultdict(list), defaultdict(list)
        chosen_decisions = of_papers(ScreeningDecision.objects.filter(review=review), paper_ids)
        for paper_id, voter, decision, reason_id, *at in chosen_decisions.values_list(
            "paper_id", "user_id", "decision", "reason_id", *times
        ):
            decisions[paper_id].append(Vote(voter, self.username(voter), decision, self.reasons.get(reason_id), *at))
        chosen_scores = of_papers(Score.objects.filter(review=review), paper_ids)
        for paper_id, scorer, value, *at in chosen_scores.values_list("paper_id", "user_id", "value", *times):
            scores[paper_id].append(Mark(scorer, self.username(scorer), value, *at))
        comments = of_papers(Comment.objects.filter(review=review), paper_ids).select_related("author")
        comments = comments.order_by("created_at", "id")
        if not viewer.is_owner or not self.archive:
            comments = comments.visible()
        comments = _grouped(comments)
        resolutions, assignments = {}, defaultdict(list)
        if self.archive:
            resolutions = {
                resolution.paper_id: resolution
                for resolution in of_papers(Resolution.objects.filter(review=review), paper_ids).select_related(
                    "reason", "resolved_by", "reopened_by"
                )
            }
            chosen = of_papers(Assignment.objects.filter(review=review), paper_ids).order_by("user__username")
            if not viewer.is_owner:  # the assignments page is the owners'; others know their own
                chosen = chosen.filter(user_id=user_id)
            for paper_id, username, assigned_at in chosen.values_list("paper_id", "user__username", "assigned_at"):
                assignments[paper_id].append((username, assigned_at))

        rows = []
        for paper_id in paper_ids:
            review_paper = by_paper.get(paper_id)
            if review_paper is None:
                continue  # taken out of the review since its id was read
            team = review_paper.team_visible
            own_comments = comments.get(paper_id, [])
            if not review_paper.comments_visible:
                own_comments = [comment for comment in own_comments if comment.author_id == user_id]
            tags = [applied for applied in review_paper.paper.review_tags if team or applied.applied_by_id == user_id]
            tags.sort(key=lambda applied: (applied.tag.name, _username(applied.applied_by)))
            final_reason = self.reasons.get(review_paper.final_reason_id)
            rows.append(
                ExportRow(
                    review_paper=review_paper,
                    final_decision=review_paper.final_decision if team else None,
                    final_reason=final_reason if team else None,
                    team_status=review_paper.team_status if team else None,
                    decisions=_seen(decisions.get(paper_id, []), team, user_id),
                    scores=_seen(scores.get(paper_id, []), team, user_id),
                    tags=tags,
                    thread=arrange_thread([comment for comment in own_comments if not comment.hidden]),
                    comments=own_comments,
                    resolution=resolutions.get(paper_id) if team else None,
                    assignments=assignments.get(paper_id, []),
                )
            )
        return rows

    def panel_rows(self, paper_ids: list[int]) -> list[ReviewPaper]:
        """The papers' ReviewPaper rows with what ``mark_visibility`` reads (as ``ReviewPaper.objects.for_panels``
        loads them): the paper, everyone's tags on it as ``paper.review_tags``, and — for a viewer blind mode can
        hide things from — ``my_decision``. Without the review and reason joins, which every row would repeat,
        and with the tags read by one query rather than a prefetch (which spent its time on the paper ids)."""
        rows = of_papers(ReviewPaper.objects.filter(review=self.review), paper_ids).select_related("paper")
        rows = rows.only(*ROW_FIELDS, *(f"paper__{name}" for name in PAPER_FIELDS))
        if not self.sees_everything:
            rows = rows.with_my_annotations(self.viewer.user)
        rows = list(rows)
        applied = of_papers(PaperTag.objects.filter(review=self.review), paper_ids).select_related("tag", "applied_by")
        tags = _grouped(applied.order_by("tag__normalised_name", "applied_at", "pk"))
        for review_paper in rows:
            review_paper.paper.review_tags = tags.get(review_paper.paper_id, [])
        return rows

    def username(self, user_id: int) -> str:
        return self.usernames[user_id]

    @cached_property
    def usernames(self) -> dict[int, str]:
        """Every member's and annotator's name by user id, read once (the people of a review are few)."""
        review = self.review
        people = get_user_model().objects.filter(
            Q(memberships__review=review)
            | Q(pk__in=ScreeningDecision.objects.filter(review=review).values("user_id"))
            | Q(pk__in=Score.objects.filter(review=review).values("user_id"))
        )
        return dict(people.values_list("pk", "username").distinct())

    @cached_property
    def reasons(self) -> dict[int, str]:
        """The review's exclusion reasons' labels by id."""
        return dict(ExclusionReason.objects.filter(review=self.review).values_list("pk", "label"))


def of_papers(queryset, paper_ids: list[int]):
    """``queryset`` (of a model with a ``paper`` key) limited to ``paper_ids``. On PostgreSQL as one array
    parameter (``paper_id = ANY(%s)``): an IN list of a thousand parameters cost more to build and send, in Django and
    psycopg, than the database took to answer."""
    if connection.vendor != "postgresql":
        return queryset.filter(paper_id__in=paper_ids)
    column = f'"{queryset.model._meta.db_table}"."paper_id"'
    # The table name is the model's own and the ids travel as a bound parameter.
    return queryset.filter(RawSQL(f"{column} = ANY(%s)", (paper_ids,), output_field=BooleanField()))  # noqa: S611


def _seen(annotations: list, team_visible: bool, user_id: int | None) -> list:
    """Everyone's decisions or scores on a paper whose team work the viewer sees, else only the viewer's own."""
    return sorted((row for row in annotations if team_visible or row.user_id == user_id), key=lambda row: row.user)


def _grouped(queryset) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in queryset:
        grouped[row.paper_id].append(row)
    return grouped


def _username(user) -> str:
    return user.get_username() if user is not None else ""


def walk_thread(roots) -> Iterator[tuple[Comment, Comment | None]]:
    """(comment, the comment it answers or None) for every comment of a thread from ``arrange_thread``, each
    top-level comment followed by its replies in time order."""
    for root in roots:
        yield root, None
        by_id = {root.pk: root, **{reply.pk: reply for reply in root.thread_replies}}
        for reply in root.thread_replies:
            yield reply, by_id.get(reply.parent_id)
