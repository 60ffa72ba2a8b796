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
from types import SimpleNamespace

from django.http import QueryDict

from ..blinding import mark_visibility
from ..models import (
    Assignment,
    Comment,
    Membership,
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
# a chunk of long abstracts and threads stays a few megabytes.
CHUNK_SIZE = 500
LIST_ORDER = ("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")


class ExportRefused(Exception):
    """An export that cannot be made as asked (a filter the list refuses); ``message`` says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class ExportRow:
    """One paper of the export with the work the viewer may see. ``final_decision``/``team_status`` are None when
    blind mode hides them; lists are in a stable order (by username, then tag name)."""

    review_paper: ReviewPaper
    final_decision: str | None
    final_reason: str | None
    team_status: str | None
    decisions: list = field(default_factory=list)  # ScreeningDecision, with user and reason loaded
    scores: list = field(default_factory=list)  # Score, with user loaded
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
        users = set(
            Membership.objects.filter(review=review, role__in=[Role.OWNER, Role.REVIEWER]).values_list(
                "user__username", flat=True
            )
        )
        for model in (ScreeningDecision, Score):
            users.update(model.objects.filter(review=review).values_list("user__username", flat=True).distinct())
        return sorted(users)

    def load(self, paper_ids: list[int]) -> list[ExportRow]:
        review, viewer = self.review, self.viewer
        user_id = viewer.user_id
        review_papers = ReviewPaper.objects.for_panels(review, viewer.user).filter(paper_id__in=paper_ids)
        by_paper = {review_paper.paper_id: review_paper for review_paper in review_papers}
        mark_visibility(viewer, by_paper.values())
        in_chunk = {"review": review, "paper_id__in": paper_ids}
        decisions = _grouped(
            ScreeningDecision.objects.filter(**in_chunk).select_related("user", "reason").order_by("user__username")
        )
        scores = _grouped(Score.objects.filter(**in_chunk).select_related("user").order_by("user__username"))
        comments = Comment.objects.filter(**in_chunk).select_related("author").order_by("created_at", "id")
        if not viewer.is_owner or not self.archive:
            comments = comments.visible()
        comments = _grouped(comments)
        resolutions, assignments = {}, defaultdict(list)
        if self.archive:
            resolutions = {
                resolution.paper_id: resolution
                for resolution in Resolution.objects.filter(**in_chunk).select_related(
                    "reason", "resolved_by", "reopened_by"
                )
            }
            chosen = Assignment.objects.filter(**in_chunk).order_by("user__username")
            if not self.sees_everything:
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
            rows.append(
                ExportRow(
                    review_paper=review_paper,
                    final_decision=review_paper.final_decision if team else None,
                    final_reason=review_paper.final_reason.label if team and review_paper.final_reason else None,
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


def _seen(annotations: list, team_visible: bool, user_id: int | None) -> list:
    """Everyone's decisions or scores on a paper whose team work the viewer sees, else only the viewer's own."""
    return [row for row in annotations if team_visible or row.user_id == user_id]


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
