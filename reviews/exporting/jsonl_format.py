"""JSONL, the review archive that ``manage.py import_review`` restores: the format is written down in
reviews/exporting/ARCHIVE.md, and this module writes exactly that.

A header line (the review, its members, tags and reasons, and how many lines follow), one line per paper with
every annotation the viewer may see, then the history. Keys sorted and no export time, so an unchanged review
exports to the same bytes. Database ids appear nowhere: papers are numbered by their line (``ref``), comments
get ids local to their paper, and changes refer to those, to tags by name, to reasons by their place in the
header, and an undo to the changes it took back by their position among the change lines.
"""

import json
from collections.abc import Iterator
from datetime import UTC

from django.db.models import Q

from ..models import Change, ChangeKind, ExclusionReason, Membership, Tag
from ..timeline import changes_seen_by, may_read_comment
from .rows import Export, ExportRow

EXTENSION = "jsonl"
CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
VERSION = 1
CHANGE_COLUMNS = (
    "pk", "kind", "subject", "before", "after", "at", "user__username", "paper_id",
    "paper__arxiv_id", "paper__doi", "paper__pmid", "paper__title",
)  # fmt: skip


def line(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def stamp(moment) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None


def username(user) -> str | None:
    return user.get_username() if user is not None else None


class Archive:
    def __init__(self, export: Export):
        self.export = export
        self.review = export.review
        # Filled while papers are written, for the changes that refer to them.
        self.comment_ids: dict[int, int] = {}  # comment pk -> its id local to its paper
        self.paper_refs: dict[int, int] = {}  # paper pk -> its position among the paper lines
        self.readable_comments: set[int] = set()  # pks of the written comments whose words the viewer may read
        self.tags = list(Tag.objects.filter(review=self.review).select_related("created_by").order_by("name", "pk"))
        self.tag_names = {tag.pk: tag.name for tag in self.tags}
        reasons = ExclusionReason.objects.filter(review=self.review).order_by("position", "label")
        self.reasons = list(reasons)
        self.reason_refs = {reason.pk: position for position, reason in enumerate(self.reasons, start=1)}

    def header(self, papers: int, changes: int) -> dict:
        review = self.review
        fields = [
            "slug", "title", "research_question", "inclusion_criteria", "exclusion_criteria", "allow_new_tags",
            "inclusion_keywords", "exclusion_keywords", "blind", "hide_comments_while_blind", "required_screeners",
            "conflict_rule",
        ]  # fmt: skip
        members = Membership.objects.filter(review=review).select_related("user").order_by("user__username")
        return {
            "type": "marginalia-review",
            "version": VERSION,
            "scope": self.export.scope,
            "review": {**{name: getattr(review, name) for name in fields}, "created_at": stamp(review.created_at)},
            "members": [
                {"username": member.user.get_username(), "role": member.role, "joined_at": stamp(member.joined_at)}
                for member in members
            ],
            "tags": [
                {
                    "name": tag.name,
                    "colour": tag.colour,
                    "description": tag.description,
                    "created_by": username(tag.created_by),
                    "created_at": stamp(tag.created_at),
                }
                for tag in self.tags
            ],
            "reasons": [{"label": reason.label, "position": reason.position} for reason in self.reasons],
            "papers": papers,
            "changes": changes,
        }

    def paper_line(self, row: ExportRow) -> dict:
        paper, review_paper = row.paper, row.review_paper
        self.paper_refs[paper.pk] = len(self.paper_refs) + 1
        local_ids = {}
        comments = []
        for comment in row.comments:
            local_ids[comment.pk] = len(local_ids) + 1
            self.comment_ids[comment.pk] = local_ids[comment.pk]
        for comment in row.comments:
            readable = may_read_comment(self.export.viewer, comment)
            if readable:
                self.readable_comments.add(comment.pk)
            comments.append(
                {
                    "id": local_ids[comment.pk],
                    "parent": local_ids.get(comment.parent_id),
                    "user": username(comment.author),
                    "body": comment.body if readable else "",
                    "quote": comment.quote if readable else "",
                    "quote_start": comment.quote_start,
                    "quote_end": comment.quote_end,
                    "hidden": comment.hidden,
                    "created_at": stamp(comment.created_at),
                    "edited_at": stamp(comment.edited_at),
                    "deleted_at": stamp(comment.deleted_at),
                }
            )
        resolution = row.resolution
        return {
            "type": "paper",
            "ref": self.paper_refs[paper.pk],
            "paper": {
                "arxiv_id": paper.arxiv_id,
                "version": paper.version,
                "doi": paper.doi,
                "pmid": paper.pmid,
                "title": paper.title,
                "authors": paper.authors,
                "abstract": paper.abstract,
                "year": paper.year,
                "month": paper.month,
                "venue": paper.venue,
                "primary_category": paper.primary_category,
                "url": paper.url,
                "extra": paper.extra,
                "submitted_month": paper.submitted_month.strftime("%Y-%m") if paper.submitted_month else None,
            },
            "added_at": stamp(review_paper.added_at),
            "final_decision": row.final_decision or None,
            "final_reason": row.final_reason,
            "team_status": row.team_status,
            "decisions": [
                {
                    "user": decision.user,
                    "decision": decision.decision,
                    "reason": decision.reason,
                    "updated_at": stamp(decision.updated_at),
                }
                for decision in row.decisions
            ],
            "scores": [
                {"user": score.user, "value": score.value, "updated_at": stamp(score.updated_at)}
                for score in row.scores
            ],
            "tags": [
                {"tag": applied.tag.name, "user": username(applied.applied_by), "applied_at": stamp(applied.applied_at)}
                for applied in row.tags
            ],
            "comments": comments,
            "resolution": None
            if resolution is None
            else {
                "decision": resolution.decision,
                "reason": resolution.reason.label if resolution.reason else None,
                "note": resolution.note,
                "user": username(resolution.resolved_by),
                "at": stamp(resolution.resolved_at),
                "reopened_at": stamp(resolution.reopened_at),
                "reopened_by": username(resolution.reopened_by),
            },
            "assignments": [
                {"user": username, "assigned_at": stamp(assigned_at)} for username, assigned_at in row.assignments
            ],
        }

    def changes(self):
        """The history of the exported papers (and, for owners and resolvers, of the review itself), oldest
        first, as the viewer may see it."""
        export = self.export
        papers = export.filterset.qs.order_by().values("paper_id")
        in_export = Q(paper_id__in=papers)
        if export.viewer.can_resolve:  # the review-wide history is the owners' and resolvers' (its page's rule)
            in_export |= Q(paper=None)
        changes = Change.objects.filter(in_export, review=self.review)
        if export.viewer.user_id is not None:
            changes = changes_seen_by(export.viewer, changes)
        return changes.order_by("at", "pk").values_list(*CHANGE_COLUMNS)

    def change_lines(self, changes) -> Iterator[str]:
        """The change lines, read as plain values (there are several a paper)."""
        positions: dict[int, int] = {}  # decision change pk -> its position among the change lines, for undos
        for position, values in enumerate(changes.iterator(chunk_size=2000), start=1):
            change = dict(zip(CHANGE_COLUMNS, values, strict=True))
            if change["kind"] == ChangeKind.DECISION:
                positions[change["pk"]] = position
            paper_id = change["paper_id"]
            yield line(
                {
                    "type": "change",
                    "kind": change["kind"],
                    "user": change["user__username"],
                    "paper": None
                    if paper_id is None
                    else {
                        "ref": self.paper_refs.get(paper_id),
                        "arxiv_id": change["paper__arxiv_id"],
                        "doi": change["paper__doi"],
                        "pmid": change["paper__pmid"],
                        "title": change["paper__title"],
                    },
                    "subject": self.subject(change["kind"], change["subject"], positions),
                    "before": self.state(change["before"], change),
                    "after": self.state(change["after"], change),
                    "at": stamp(change["at"]),
                }
            )

    def subject(self, kind: str, subject: str, positions: dict[int, int]) -> str:
        if kind == ChangeKind.COMMENT and subject.isdigit():
            local_id = self.comment_ids.get(int(subject))
            return f"comment:{local_id}" if local_id else ""
        if kind == ChangeKind.TAG and subject.isdigit():
            name = self.tag_names.get(int(subject))
            return f"tag:{name}" if name is not None else ""
        if kind == ChangeKind.DECISION and subject.startswith("undo:"):
            first, _, last = subject.removeprefix("undo:").partition("-")
            ends = [positions.get(int(pk)) for pk in (first, last or first) if pk.isdigit()]
            if len(ends) == 2 and None not in ends:
                return f"undo:{ends[0]}" if ends[0] == ends[1] else f"undo:{ends[0]}-{ends[1]}"
            return ""
        return subject

    def state(self, state, change: dict):
        """A change's before/after without database ids: a reason's id becomes ``reason_ref``, its position in
        the header's reasons (dropped if the reason is gone). The words of a comment the viewer may not read
        (someone else's deleted comment, or one deleted outright; ``timeline.may_read_comment``, as the history
        page decides) are blanked to ``""``, as in its paper line."""
        if not isinstance(state, dict):
            return state
        if change["kind"] == ChangeKind.COMMENT and not self.may_read_change(change):
            state = {key: "" if key in ("body", "quote") else value for key, value in state.items()}
        if "reason_id" not in state:
            return state
        state = dict(state)
        if ref := self.reason_refs.get(state.pop("reason_id")):
            state["reason_ref"] = ref
        return state

    def may_read_change(self, change: dict) -> bool:
        if self.export.viewer.is_owner:
            return True
        subject = change["subject"]
        return subject.isdigit() and int(subject) in self.readable_comments


def write(export: Export) -> Iterator[str]:
    archive = Archive(export)
    changes = archive.changes()
    yield line(archive.header(papers=export.filterset.qs.count(), changes=changes.count()))
    for chunk in export.chunks():
        yield "".join(line(archive.paper_line(row)) for row in chunk)
    yield from archive.change_lines(changes)
