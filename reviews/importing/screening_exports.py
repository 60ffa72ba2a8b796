"""One reviewer's screening brought over from ASReview or Rayyan: their labelled exports (read by
``screening_files.py``) become papers of a review and that member's decisions, exclusion reasons, tags and notes.

The records go into the corpus through the ordinary importer (matched to papers already there), and the work
through ``bulk_annotate`` (reviews/annotating.py), which writes the history and keeps the summaries true.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from papers.importers.matching import existing_matches
from papers.importers.records import ImportProblem, ParsedFile
from papers.importers.upsert import upsert_parsed_file
from papers.importers.validation import check_records

from ..annotating import bulk_annotate
from ..models import (
    COMMENT_MAX_LENGTH,
    MAX_REASONS_PER_REVIEW,
    Comment,
    ExclusionReason,
    Membership,
    PaperTag,
    Review,
    ScreeningDecision,
    Tag,
)
from . import ImportRefused
from .screening_files import MAX_PROBLEMS, LabelledRecord, export_format, read_export

SOURCES = ("asreview", "rayyan")


@dataclass(slots=True)
class ScreeningImportReport:
    source: str
    file_name: str
    slug: str
    username: str
    records: int = 0
    papers_created: int = 0
    papers_matched: int = 0
    added_to_review: int = 0
    decisions: dict = field(default_factory=dict)
    already_decided: int = 0
    reasons_created: list = field(default_factory=list)
    tags: int = 0
    tags_created: list = field(default_factory=list)
    notes: int = 0
    dry_run: bool = False

    def summary_lines(self) -> list[str]:
        verb = "Dry run, nothing written. Would import" if self.dry_run else "Imported"
        decided = ", ".join(f"{count} {choice}" for choice, count in sorted(self.decisions.items())) or "none"
        lines = [
            f"{verb} {self.file_name} ({self.source}, {self.records} records) into “{self.slug}” as {self.username}:",
            f"  papers: {self.papers_created} new to the corpus, {self.papers_matched} already in it; "
            f"{self.added_to_review} added to the review",
            f"  decisions: {decided}"
            + (f"; {self.already_decided} papers {self.username} had decided already were left as they were"
               if self.already_decided else ""),
            f"  tags applied: {self.tags}; notes as comments: {self.notes}",
        ]  # fmt: skip
        if not self.decisions and not self.already_decided and self.records:
            # Most often the wrong file or the wrong "Exported from": say so rather than add the papers silently.
            tool, holder = {"asreview": ("ASReview", "label"), "rayyan": ("Rayyan", "RAYYAN-INCLUSION note")}.get(
                self.source, (self.source, "decision")
            )
            lines.append(
                f"  note: no record holds a {holder}: is this the {tool} export with its decisions? "
                + (
                    "The papers would join the review undecided."
                    if self.dry_run
                    else "The papers joined the review undecided."
                )
            )
        if self.reasons_created:
            lines.append(f"  new exclusion reasons: {', '.join(self.reasons_created)}")
        if self.tags_created:
            lines.append(f"  new tags: {', '.join(self.tags_created)}")
        return lines


class _DryRun(Exception):
    pass


def import_screening(source: str, name: str, data: bytes, *, username: str, slug: str, dry_run: bool = False,
                     reviewer: str | None = None) -> ScreeningImportReport:  # fmt: skip
    """Bring ``username``'s screening from an ASReview or Rayyan export into the review ``slug``; all or nothing."""
    if source not in SOURCES:
        raise ImportRefused([f"unknown source {source!r} (one of {', '.join(SOURCES)})"])
    membership = (
        Membership.objects.select_related("review", "user").filter(review__slug=slug, user__username=username).first()
    )
    if membership is None:
        if not Review.objects.filter(slug=slug).exists():
            raise ImportRefused([f"there is no review called “{slug}”"])
        raise ImportRefused([f"{username} is not a member of the review “{slug}”: add them in its settings first"])
    if not membership.can_screen:
        raise ImportRefused(
            [f"{username} is {membership.role_phrase} in “{slug}”, and only owners and reviewers screen papers"]
        )
    labelled = read_export(source, name, data, reviewer)
    parsed = ParsedFile(name=name, format=export_format(data), sha256=hashlib.sha256(data).hexdigest())
    parsed.records = [item.record for item in labelled]
    check_records(parsed)
    if parsed.errors:
        raise ImportRefused(parsed.errors[:MAX_PROBLEMS])
    report = ScreeningImportReport(source, name, slug, username, records=len(labelled), dry_run=dry_run)
    try:
        with transaction.atomic():
            _write(membership, labelled, parsed, report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _write(membership: Membership, labelled: list[LabelledRecord], parsed: ParsedFile, report) -> None:
    review, user = membership.review, membership.user
    records = parsed.records
    report.papers_matched = len(existing_matches(records))
    file_report = upsert_parsed_file(parsed, user)
    report.papers_created = file_report.created
    matches = existing_matches(records)
    by_paper: dict[int, LabelledRecord] = {}
    problems = []
    for item_position, item in enumerate(labelled):
        paper = matches[item_position]
        if (first := by_paper.get(paper.pk)) is None:
            by_paper[paper.pk] = item
            continue
        # The same paper twice in the export: one decision, and everything else of both.
        if item.decision and first.decision and item.decision != first.decision:
            problems.append(
                ImportProblem(
                    parsed.name,
                    item.line,
                    f"the same paper as line {first.line} ({paper.display_id}) with another decision "
                    f"({item.decision} there, {first.decision} here)",
                )
            )
            continue
        first.decision = first.decision or item.decision
        first.reasons += [reason for reason in item.reasons if reason not in first.reasons]
        first.tags += [tag for tag in item.tags if tag not in first.tags]
        first.notes += [note for note in item.notes if note not in first.notes]
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    report.added_to_review = review.add_papers(list(by_paper))
    reasons = _reasons(review, by_paper, report, parsed.name)
    tags = _tags(review, user, by_paper, report, parsed.name)
    decided = set(
        ScreeningDecision.objects.filter(review=review, user=user, paper_id__in=list(by_paper)).values_list(
            "paper_id", flat=True
        )
    )
    commented = set(
        Comment.objects.filter(review=review, author=user, paper_id__in=list(by_paper)).values_list("paper_id", "body")
    )
    applied = set(
        PaperTag.objects.filter(review=review, applied_by=user, paper_id__in=list(by_paper)).values_list(
            "paper_id", "tag_id"
        )
    )
    decisions, paper_tags, comments = [], [], []
    of_review = {"review": review}
    for paper_id, item in by_paper.items():
        if item.decision:
            if paper_id in decided:
                report.already_decided += 1
            else:
                reason = reasons[item.reasons[0]] if item.reasons else None
                decisions.append(
                    ScreeningDecision(**of_review, paper_id=paper_id, user=user, decision=item.decision, reason=reason)
                )
                report.decisions[item.decision] = report.decisions.get(item.decision, 0) + 1
        for name in item.tags:
            tag = tags[name]
            if (paper_id, tag.pk) not in applied:
                paper_tags.append(PaperTag(**of_review, paper_id=paper_id, tag=tag, applied_by=user))
        body = _note_body(item)
        if body and (paper_id, body) not in commented:
            if len(body) > COMMENT_MAX_LENGTH:
                problems.append(
                    ImportProblem(parsed.name, item.line, f"the notes are longer than {COMMENT_MAX_LENGTH} characters")
                )
                continue
            comments.append(Comment(**of_review, paper_id=paper_id, author=user, body=body))
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    bulk_annotate(review, decisions=decisions, paper_tags=paper_tags, comments=comments)
    report.tags, report.notes = len(paper_tags), len(comments)


def _note_body(item: LabelledRecord) -> str:
    notes = []
    for note in item.notes:
        if (note := note.strip()) and note not in notes:
            notes.append(note)
    if item.reasons[1:]:
        notes.append("Other exclusion reasons: " + ", ".join(item.reasons[1:]))
    return "\n\n".join(notes)


def _reasons(review: Review, by_paper: dict, report, file_name: str) -> dict[str, ExclusionReason]:
    """The review's exclusion reason for each label the export uses, created (at the end) when missing."""
    wanted = []
    for item in by_paper.values():
        wanted += [reason for reason in item.reasons if reason not in wanted]
    existing = {reason.label.casefold(): reason for reason in ExclusionReason.objects.filter(review=review)}
    missing = [label for label in wanted if label.casefold() not in existing]
    if len(existing) + len(missing) > MAX_REASONS_PER_REVIEW:
        raise ImportRefused(
            [
                f"{file_name}: the export's exclusion reasons ({', '.join(missing[:10])}…) would give the review more "
                f"than {MAX_REASONS_PER_REVIEW}"
            ]
        )
    position = (ExclusionReason.objects.filter(review=review).aggregate(last=Max("position"))["last"] or 0) + 1
    for offset, label in enumerate(missing):
        existing[label.casefold()] = ExclusionReason.objects.create(
            review=review, label=label, position=position + offset
        )
        report.reasons_created.append(label)
    return {label: existing[label.casefold()] for label in wanted}


def _tags(review: Review, user, by_paper: dict, report, file_name: str) -> dict[str, Tag]:
    tags: dict[str, Tag] = {}
    for item in by_paper.values():
        for name in item.tags:
            if name in tags:
                continue
            try:
                tag, created = Tag.objects.get_or_create_named(review, name, user=user)
            except ValidationError as error:
                problem = ImportProblem(file_name, item.line, f"label {name[:60]!r}: {error.messages[0]}")
                raise ImportRefused([problem]) from None
            tags[name] = tag
            if created:
                report.tags_created.append(tag.name)
    return tags
