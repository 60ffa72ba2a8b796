"""Reading a review archive (``export_review --format jsonl``) and checking every line before anything is written.

The format is described in reviews/exporting/ARCHIVE.md. Every value is checked for its type, its bounds and what it
refers to (a reason, a tag, a comment, a paper of the file), so a truncated, hand-edited or hostile file is refused
as ``FILE:LINE: reason`` and ``restore.py`` can write without surprises.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from papers.identity import normalize_doi
from papers.importers.matching import RecordIndex
from papers.importers.records import ImportProblem, PaperRecord, ParsedFile
from papers.importers.validation import check_records

from ..models import (
    COMMENT_MAX_LENGTH,
    MAX_REASONS_PER_REVIEW,
    MAX_REQUIRED_SCREENERS,
    MAX_SCORE,
    MAX_TAGS_PER_REVIEW,
    MIN_SCORE,
    ChangeKind,
    ConflictRule,
    DecisionChoice,
    FinalChoice,
    Role,
    TeamStatus,
    tag_key,
)
from ..models.vocabulary import validate_tag_name
from . import ImportRefused
from .archive_values import (
    Bad,
    as_object,
    boolean_field,
    check_fields,
    check_json_state,
    choice_field,
    field_path,
    integer_field,
    list_field,
    moment_field,
    object_field,
    refuse_constant,
    shown,
    text_field,
    type_name,
    username_field,
)

FORMAT_TYPE = "marginalia-review"
FORMAT_VERSION = 1
FULL_SCOPE = "everything"
# Far above a real review's texts, low enough that a hostile file cannot make one value fill the memory.
MAX_TEXT = 100_000
MAX_JSON_STATE = 100_000
# A line is one paper with all its comments: generous, but a bound.
MAX_LINE_BYTES = 64 * 1024 * 1024
# After this many problems the rest of a bad file is not worth reading.
MAX_PROBLEMS = 50
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
UNDO_SUBJECT = re.compile(r"^undo:([1-9][0-9]{0,9})(?:-([1-9][0-9]{0,9}))?$")
COUNT = re.compile(r"^[1-9][0-9]{0,9}$")
SETTING_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
REVIEW_WIDE_KINDS = {ChangeKind.SETTING, ChangeKind.ASSIGNMENT}
FINAL_DECISIONS = {*FinalChoice.values, DecisionChoice.MAYBE}


@dataclass(slots=True)
class ArchivePaper:
    line: int
    ref: int
    record: PaperRecord
    added_at: datetime
    final_decision: str
    final_reason: str | None
    team_status: str
    decisions: list[dict]
    scores: list[dict]
    tags: list[dict]
    comments: list[dict]
    resolution: dict | None
    assignments: list[dict]


@dataclass(slots=True)
class ArchiveChange:
    line: int
    kind: str
    user: str | None
    paper_ref: int | None
    subject: str
    before: object
    after: object
    at: datetime


@dataclass(slots=True)
class Archive:
    """A checked archive: the review's header, its papers and its history, users still by username."""

    name: str
    sha256: str
    review: dict
    members: list[dict]
    tags: list[dict]
    reasons: list[dict]
    papers: list[ArchivePaper] = field(default_factory=list)
    changes: list[ArchiveChange] = field(default_factory=list)

    def usernames(self) -> dict[str, int]:
        """Every username the archive names, with the first line naming it (the header is line 1)."""
        named: dict[str, int] = {}

        def note(username, line):
            if username is not None:
                named.setdefault(username, line)

        for member in self.members:
            note(member["username"], 1)
        for tag in self.tags:
            note(tag["created_by"], 1)
        for paper in self.papers:
            for row in (*paper.decisions, *paper.scores, *paper.tags, *paper.comments, *paper.assignments):
                note(row["user"], paper.line)
            if paper.resolution:
                note(paper.resolution["user"], paper.line)
                note(paper.resolution["reopened_by"], paper.line)
        for change in self.changes:
            note(change.user, change.line)
        return named

    def history_usernames(self) -> set[str]:
        """The usernames the history holds as text only (``member:<username>`` subjects, a removed tag's
        ``applied_by``, an assignment's ``reviewers``): ``--map-user`` renames them, they need no account."""
        names = set()
        for change in self.changes:
            if change.kind == ChangeKind.SETTING and change.subject.startswith("member:"):
                names.add(change.subject.removeprefix("member:"))
            for state in (change.before, change.after):
                if isinstance(state, dict) and isinstance(state.get("applied_by"), str):
                    names.add(state["applied_by"])
                if isinstance(state, dict) and isinstance(state.get("reviewers"), dict):
                    names.update(state["reviewers"])
        return names


def read_archive(name: str, data: bytes) -> Archive:
    """Parse and check the archive ``data`` (the bytes of the file called ``name``); raise ImportRefused."""
    problems: list[ImportProblem] = []
    lines = _split_lines(name, data, problems)
    if problems:
        raise ImportRefused(problems)
    if not lines:
        raise ImportRefused([ImportProblem(name, 1, "empty file: expected the archive's header line")])
    reader = _Reader(name, hashlib.sha256(data).hexdigest())
    reader.read(lines)
    if reader.problems:
        raise ImportRefused(reader.problems[:MAX_PROBLEMS])
    return reader.archive


def _split_lines(name: str, data: bytes, problems: list) -> list[tuple[int, bytes]]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    lines = []
    for number, line in enumerate(raw, 1):
        if len(line) > MAX_LINE_BYTES:
            problems.append(ImportProblem(name, number, f"line is longer than {MAX_LINE_BYTES} bytes"))
            continue
        lines.append((number, line.removesuffix(b"\r")))
    return lines


class _Reader:
    def __init__(self, name: str, sha256: str):
        self.name = name
        self.sha256 = sha256
        self.problems: list[ImportProblem] = []
        self.archive: Archive | None = None
        self.reasons: dict[str, int] = {}
        self.tag_names: dict[str, str] = {}
        self.comment_ids: dict[int, set[int]] = {}
        self.index = RecordIndex()
        self.record_lines: dict[int, int] = {}

    def problem(self, line: int, reason: str) -> None:
        self.problems.append(ImportProblem(self.name, line, reason))

    def read(self, lines: list[tuple[int, bytes]]) -> None:
        number, text = lines[0]
        try:
            header = self._object(text)
            self.archive = self._header(header)
        except Bad as error:
            self.problem(number, str(error))
            return
        expected_papers, expected_changes = header["papers"], header["changes"]
        self.paper_count = expected_papers
        body = lines[1:]
        for position, (number, text) in enumerate(body):
            if len(self.problems) >= MAX_PROBLEMS:
                return
            kind = "paper" if position < expected_papers else "change"
            try:
                if position >= expected_papers + expected_changes:
                    raise Bad(
                        f"the header promises {expected_papers} paper and {expected_changes} change lines, "
                        "but the file goes on"
                    )
                obj = self._object(text)
                if obj.get("type") != kind:
                    raise Bad(f"expected a {kind} line (type {kind!r}), found type {shown(obj.get('type'))}")
                if kind == "paper":
                    self.archive.papers.append(self._paper(obj, number, position + 1))
                else:
                    self.archive.changes.append(self._change(obj, number, expected_changes))
            except Bad as error:
                self.problem(number, str(error))
        found_papers = min(len(body), expected_papers)
        found_changes = max(0, len(body) - expected_papers)
        last = lines[-1][0]
        if found_papers < expected_papers or found_changes < expected_changes:
            self.problem(
                last,
                f"the file ends after {found_papers} paper and {found_changes} change lines, but the header "
                f"promises {expected_papers} and {expected_changes}: it is truncated or was edited",
            )
        if not self.problems:
            self._check_papers_with_importer()
            self._check_change_subjects()

    # Values

    def _object(self, text: bytes) -> dict:
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Bad(f"not valid UTF-8: byte 0x{text[error.start]:02x} at byte {error.start + 1}") from None
        try:
            obj = json.loads(decoded, parse_constant=refuse_constant)
        except RecursionError:
            raise Bad("JSON nested too deeply") from None
        except ValueError as error:
            raise Bad(f"not a JSON object: {error}") from None
        if not isinstance(obj, dict):
            raise Bad(f"not a JSON object but {type(obj).__name__}")
        return obj

    # The header

    def _header(self, obj: dict) -> Archive:
        if obj.get("type") != FORMAT_TYPE:
            raise Bad(f"not a Marginalia review archive (the first line's type is {shown(obj.get('type'))})")
        check_fields(obj, {"type", "version", "scope", "review", "members", "tags", "reasons", "papers", "changes"})
        if obj.get("version") != FORMAT_VERSION or type(obj.get("version")) is not int:
            raise Bad(f"unknown archive version {shown(obj.get('version'))} (this Marginalia reads version 1)")
        scope = text_field(obj, "scope", 200)
        if scope != FULL_SCOPE:
            raise Bad(
                f"this archive holds only what one member could see (scope {scope!r}); only a full archive "
                "(scope 'everything': exported by an owner of the review, or by export_review without --as) "
                "can be restored"
            )
        review = self._review(object_field(obj, "review"))
        members = [self._member(item, n) for n, item in enumerate(list_field(obj, "members"), 1)]
        if len({member["username"] for member in members}) != len(members):
            raise Bad("members: a username is listed twice")
        if not any(member["role"] == Role.OWNER for member in members):
            raise Bad("members: the review has no owner")
        tags = [self._tag(item, n) for n, item in enumerate(list_field(obj, "tags", MAX_TAGS_PER_REVIEW), 1)]
        reasons = [
            self._reason(item, n) for n, item in enumerate(list_field(obj, "reasons", MAX_REASONS_PER_REVIEW), 1)
        ]
        for number, reason in enumerate(reasons, 1):
            if reason["label"] in self.reasons:
                raise Bad(f"reasons: {reason['label']!r} is listed twice")
            self.reasons[reason["label"]] = number
        for count in ("papers", "changes"):
            integer_field(obj, count, 0, 10**9)
        return Archive(self.name, self.sha256, review, members, tags, reasons)

    def _review(self, obj: dict) -> dict:
        check_fields(
            obj,
            {
                "slug", "title", "research_question", "inclusion_criteria", "exclusion_criteria", "allow_new_tags",
                "inclusion_keywords", "exclusion_keywords", "blind", "hide_comments_while_blind",
                "required_screeners", "conflict_rule", "created_at",
            },
            "review",
        )  # fmt: skip
        slug = text_field(obj, "slug", 80, where="review")
        try:
            validate_slug(slug)
        except ValidationError:
            raise Bad(f"review.slug {slug[:90]!r} is not a slug (letters, digits, - and _)") from None
        title = text_field(obj, "title", 200, where="review")
        if not title.strip():
            raise Bad("review.title is empty")
        review = {"slug": slug, "title": title}
        for name in ("research_question", "inclusion_criteria", "exclusion_criteria"):
            review[name] = text_field(obj, name, MAX_TEXT, where="review")
        for name in ("inclusion_keywords", "exclusion_keywords"):
            review[name] = text_field(obj, name, MAX_TEXT, where="review")
        for name in ("allow_new_tags", "blind", "hide_comments_while_blind"):
            review[name] = boolean_field(obj, name, where="review")
        review["required_screeners"] = integer_field(
            obj, "required_screeners", 1, MAX_REQUIRED_SCREENERS, where="review"
        )
        review["conflict_rule"] = choice_field(obj, "conflict_rule", ConflictRule.values, where="review")
        review["created_at"] = moment_field(obj, "created_at", where="review")
        return review

    def _member(self, obj, number: int) -> dict:
        where = f"members[{number}]"
        obj = as_object(obj, where)
        check_fields(obj, {"username", "role", "joined_at"}, where)
        return {
            "username": username_field(obj, "username", where=where),
            "role": choice_field(obj, "role", Role.values, where=where),
            "joined_at": moment_field(obj, "joined_at", where=where),
        }

    def _tag(self, obj, number: int) -> dict:
        where = f"tags[{number}]"
        obj = as_object(obj, where)
        check_fields(obj, {"name", "colour", "description", "created_by", "created_at"}, where)
        name = text_field(obj, "name", 200, where=where)
        try:
            validate_tag_name(name)
        except ValidationError as error:
            raise Bad(f"{where}.name {name[:60]!r}: {error.messages[0]}") from None
        if tag_key(name) in self.tag_names:
            raise Bad(f"{where}: the tag {name!r} is listed twice")
        self.tag_names[tag_key(name)] = name
        colour = text_field(obj, "colour", 7, where=where)
        if not COLOUR.match(colour):
            raise Bad(f"{where}.colour {colour!r} is not a colour like #1f77b4")
        return {
            "name": name,
            "colour": colour,
            "description": text_field(obj, "description", MAX_TEXT, where=where),
            "created_by": username_field(obj, "created_by", where=where, null=True),
            "created_at": moment_field(obj, "created_at", where=where),
        }

    def _reason(self, obj, number: int) -> dict:
        where = f"reasons[{number}]"
        obj = as_object(obj, where)
        check_fields(obj, {"label", "position"}, where)
        label = text_field(obj, "label", 120, where=where)
        if not label.strip():
            raise Bad(f"{where}.label is empty")
        return {"label": label, "position": integer_field(obj, "position", 0, 32767, where=where)}

    # Paper lines

    def _paper(self, obj: dict, line: int, ref: int) -> ArchivePaper:
        if integer_field(obj, "ref", 1, 10**9) != ref:
            raise Bad(f"ref is {obj['ref']} but this is paper line {ref}: the papers were reordered or cut")
        check_fields(
            obj,
            {
                "type", "ref", "paper", "added_at", "final_decision", "final_reason", "team_status", "decisions",
                "scores", "tags", "comments", "resolution", "assignments",
            },
        )  # fmt: skip
        record = self._record(object_field(obj, "paper"), line)
        final_decision = choice_field(obj, "final_decision", FINAL_DECISIONS, null=True, blank=True) or ""
        final_reason = self._reason_label(obj, "final_reason")
        decisions = self._rows(obj, "decisions", self._decision, unique=("user",))
        scores = self._rows(obj, "scores", self._score, unique=("user",))
        tags = self._rows(obj, "tags", self._paper_tag, unique=("tag", "user"))
        comments = self._comments(list_field(obj, "comments"), record.abstract, ref)
        assignments = self._rows(obj, "assignments", self._assignment, unique=("user",))
        resolution = None
        if obj.get("resolution") is not None:
            resolution = self._resolution(object_field(obj, "resolution"))
        return ArchivePaper(
            line=line,
            ref=ref,
            record=record,
            added_at=moment_field(obj, "added_at"),
            final_decision=final_decision,
            final_reason=final_reason,
            team_status=choice_field(obj, "team_status", TeamStatus.values),
            decisions=decisions,
            scores=scores,
            tags=tags,
            comments=comments,
            resolution=resolution,
            assignments=assignments,
        )

    def _record(self, obj: dict, line: int) -> PaperRecord:
        where = "paper"
        check_fields(
            obj,
            {
                "arxiv_id", "version", "doi", "pmid", "title", "authors", "abstract", "year", "month", "venue",
                "primary_category", "url", "extra", "submitted_month",
            },
            where,
        )  # fmt: skip
        arxiv_id = text_field(obj, "arxiv_id", 40, where=where)
        if arxiv_id:
            try:
                parsed = parse_arxiv_id(arxiv_id)
            except InvalidArxivId as error:
                raise Bad(f"paper.arxiv_id: {error}") from None
            if parsed.canonical != arxiv_id:
                raise Bad(f"paper.arxiv_id {arxiv_id!r} is not written canonically (without its version)")
        doi = text_field(obj, "doi", 255, where=where)
        if doi and normalize_doi(doi) != doi:
            raise Bad(f"paper.doi {doi[:80]!r} is not a bare lower-case DOI")
        pmid = text_field(obj, "pmid", 12, where=where)
        if pmid and not (pmid.isascii() and pmid.isdigit()):
            raise Bad(f"paper.pmid {pmid!r} is not a PubMed id (digits)")
        authors = list_field(obj, "authors", 10_000, where=where)
        if not all(isinstance(author, str) and len(author) <= 1000 for author in authors):
            raise Bad("paper.authors must be a list of names (strings of at most 1000 characters)")
        extra = obj.get("extra")
        if not isinstance(extra, dict):
            raise Bad(f"paper.extra must be an object, not {type_name(extra)}")
        month = obj.get("submitted_month")
        if month is not None and not (isinstance(month, str) and MONTH.match(month)):
            raise Bad(f"paper.submitted_month {shown(month)} is not a month like 2023-03")
        return PaperRecord(
            arxiv_id=arxiv_id,
            version=integer_field(obj, "version", 1, 32767, where=where, null=True),
            line=line,
            abstract=text_field(obj, "abstract", MAX_TEXT, where=where),
            title=text_field(obj, "title", MAX_TEXT, where=where),
            authors=authors,
            primary_category=text_field(obj, "primary_category", 40, where=where),
            doi=doi,
            url=text_field(obj, "url", 500, where=where),
            pmid=pmid,
            venue=text_field(obj, "venue", 500, where=where),
            year=integer_field(obj, "year", 1, 9999, where=where, null=True),
            month=integer_field(obj, "month", 1, 12, where=where, null=True),
            extra=extra,
        )

    def _rows(self, obj: dict, name: str, check, unique: tuple[str, ...]) -> list[dict]:
        rows, seen = [], set()
        for number, item in enumerate(list_field(obj, name), 1):
            row = check(as_object(item, f"{name}[{number}]"), f"{name}[{number}]")
            key = tuple(row[part] for part in unique)
            if None not in key and key in seen:
                raise Bad(f"{name}[{number}]: {', '.join(map(str, key))} is listed twice")
            seen.add(key)
            rows.append(row)
        return rows

    def _reason_label(self, obj: dict, name: str, where: str = "") -> str | None:
        label = obj.get(name)
        if label is None:
            if name not in obj:
                raise Bad(f"{field_path(where, name)} is missing")
            return None
        if not isinstance(label, str) or label not in self.reasons:
            raise Bad(f"{field_path(where, name)} {shown(label)} is not one of the review's exclusion reasons")
        return label

    def _decision(self, obj: dict, where: str) -> dict:
        check_fields(obj, {"user", "decision", "reason", "updated_at"}, where)
        return {
            "user": username_field(obj, "user", where=where),
            "decision": choice_field(obj, "decision", DecisionChoice.values, where=where),
            "reason": self._reason_label(obj, "reason", where),
            "updated_at": moment_field(obj, "updated_at", where=where),
        }

    def _score(self, obj: dict, where: str) -> dict:
        check_fields(obj, {"user", "value", "updated_at"}, where)
        return {
            "user": username_field(obj, "user", where=where),
            "value": integer_field(obj, "value", MIN_SCORE, MAX_SCORE, where=where),
            "updated_at": moment_field(obj, "updated_at", where=where),
        }

    def _paper_tag(self, obj: dict, where: str) -> dict:
        check_fields(obj, {"tag", "user", "applied_at"}, where)
        name = text_field(obj, "tag", 200, where=where)
        if self.tag_names.get(tag_key(name)) != name:
            raise Bad(f"{where}.tag {name[:60]!r} is not one of the review's tags")
        return {
            "tag": name,
            "user": username_field(obj, "user", where=where, null=True),
            "applied_at": moment_field(obj, "applied_at", where=where),
        }

    def _assignment(self, obj: dict, where: str) -> dict:
        check_fields(obj, {"user", "assigned_at"}, where)
        return {
            "user": username_field(obj, "user", where=where),
            "assigned_at": moment_field(obj, "assigned_at", where=where),
        }

    def _resolution(self, obj: dict) -> dict:
        where = "resolution"
        check_fields(obj, {"decision", "reason", "note", "user", "at", "reopened_at", "reopened_by"}, where)
        return {
            "decision": choice_field(obj, "decision", FinalChoice.values, where=where),
            "reason": self._reason_label(obj, "reason", where),
            "note": text_field(obj, "note", 2000, where=where),
            "user": username_field(obj, "user", where=where, null=True),
            "at": moment_field(obj, "at", where=where),
            "reopened_at": moment_field(obj, "reopened_at", where=where, null=True),
            "reopened_by": username_field(obj, "reopened_by", where=where, null=True),
        }

    def _comments(self, items: list, abstract: str, ref: int) -> list[dict]:
        comments, ids = [], set()
        for number, item in enumerate(items, 1):
            where = f"comments[{number}]"
            obj = as_object(item, where)
            check_fields(
                obj,
                {
                    "id", "parent", "user", "body", "quote", "quote_start", "quote_end", "hidden", "created_at",
                    "edited_at", "deleted_at",
                },
                where,
            )  # fmt: skip
            comment_id = integer_field(obj, "id", 1, 10**9, where=where)
            if comment_id in ids or (ids and comment_id < max(ids)):
                raise Bad(f"{where}.id {comment_id} is repeated or out of order")
            parent = integer_field(obj, "parent", 1, 10**9, where=where, null=True)
            if parent is not None and parent not in ids:
                raise Bad(f"{where}.parent {parent} is not an earlier comment of this paper")
            start = integer_field(obj, "quote_start", 0, len(abstract), where=where, null=True)
            end = integer_field(obj, "quote_end", 0, len(abstract), where=where, null=True)
            if (start is None) != (end is None) or (start is not None and start > end):
                raise Bad(f"{where}: quote_start and quote_end do not make a passage of the abstract")
            ids.add(comment_id)
            comments.append(
                {
                    "id": comment_id,
                    "parent": parent,
                    "user": username_field(obj, "user", where=where, null=True),
                    "body": text_field(obj, "body", COMMENT_MAX_LENGTH, where=where),
                    "quote": text_field(obj, "quote", MAX_TEXT, where=where),
                    "quote_start": start,
                    "quote_end": end,
                    "hidden": boolean_field(obj, "hidden", where=where),
                    "created_at": moment_field(obj, "created_at", where=where),
                    "edited_at": moment_field(obj, "edited_at", where=where, null=True),
                    "deleted_at": moment_field(obj, "deleted_at", where=where, null=True),
                }
            )
        self.comment_ids[ref] = ids
        return comments

    # Change lines

    def _change(self, obj: dict, line: int, change_count: int) -> ArchiveChange:
        check_fields(obj, {"type", "kind", "user", "paper", "subject", "before", "after", "at"})
        paper = obj.get("paper", ...)
        if paper is ...:
            raise Bad("paper is missing")
        paper_ref = None
        if paper is not None:
            paper = as_object(paper, "paper")
            check_fields(paper, {"ref", "arxiv_id", "doi", "pmid", "title"}, "paper")
            paper_ref = integer_field(paper, "ref", 1, self.paper_count, where="paper")
        before, after = obj.get("before"), obj.get("after")
        for name, state in (("before", before), ("after", after)):
            self._state(state, name)
        return ArchiveChange(
            line=line,
            kind=choice_field(obj, "kind", ChangeKind.values),
            user=username_field(obj, "user", null=True),
            paper_ref=paper_ref,
            subject=text_field(obj, "subject", 100),
            before=before,
            after=after,
            at=moment_field(obj, "at"),
        )

    def _state(self, state, name: str) -> None:
        if state is not None and not isinstance(state, dict):
            raise Bad(f"{name} must be an object or null, not {type_name(state)}")
        if state is None:
            return
        check_json_state(state, name)
        if len(json.dumps(state)) > MAX_JSON_STATE:
            raise Bad(f"{name} is longer than {MAX_JSON_STATE} characters")
        reason_ref = state.get("reason_ref")
        if reason_ref is not None and (type(reason_ref) is not int or not 1 <= reason_ref <= len(self.archive.reasons)):
            raise Bad(f"{name}.reason_ref {shown(reason_ref)} is not a reason of the header")
        if "reason_id" in state:
            raise Bad(f"{name}.reason_id is a database id; an archive names reasons by reason_ref")

    def _check_change_subjects(self) -> None:
        """Each change's subject has its kind's form, and what it names is in the file (``restore.py`` turns
        them into row ids without looking again); a change of a paper's kind has a paper, a review-wide one none."""
        for position, change in enumerate(self.archive.changes, 1):
            try:
                self._check_paper_of_change(change)
                self._check_subject(change, position)
            except Bad as error:
                self.problem(change.line, str(error))

    def _check_paper_of_change(self, change: ArchiveChange) -> None:
        if change.kind in REVIEW_WIDE_KINDS and change.paper_ref is not None:
            raise Bad(f"a {change.kind} change is about the whole review: its paper must be null")
        if change.kind not in REVIEW_WIDE_KINDS and change.paper_ref is None:
            raise Bad(f"a {change.kind} change is about a paper: its paper must be given")

    def _check_subject(self, change: ArchiveChange, position: int) -> None:
        subject, kind = change.subject, change.kind
        if subject.isascii() and subject.isdigit() and kind in (ChangeKind.COMMENT, ChangeKind.TAG):
            raise Bad(f"subject {subject!r} is a database id; an archive names it as comment:N or tag:NAME")
        if not subject:
            if kind == ChangeKind.SETTING:
                raise Bad("subject is empty, but a setting change names the setting (or member:USERNAME)")
            return
        if kind == ChangeKind.COMMENT:
            number = subject.removeprefix("comment:")
            known = self.comment_ids.get(change.paper_ref, set())
            if not (subject.startswith("comment:") and COUNT.match(number) and int(number) in known):
                raise Bad(f"subject {shown(subject)} is not a comment of the change's paper (comment:N)")
        elif kind == ChangeKind.TAG:
            name = subject.removeprefix("tag:")
            if not (subject.startswith("tag:") and self.tag_names.get(tag_key(name)) == name):
                raise Bad(f"subject {shown(subject)} is not one of the review's tags (tag:NAME)")
        elif kind == ChangeKind.DECISION:
            self._check_undo(subject, position)
        elif kind == ChangeKind.SETTING:
            username = subject.removeprefix("member:")
            if not (SETTING_NAME.match(subject) or (subject.startswith("member:") and username.strip())):
                raise Bad(f"subject {shown(subject)} is neither a setting's name nor member:USERNAME")
        else:
            raise Bad(f'subject {shown(subject)}: a {kind} change has no subject (write "")')

    def _check_undo(self, subject: str, position: int) -> None:
        """``undo:A`` or ``undo:A-B``: earlier decision change lines, A ≤ B, by their place among the changes."""
        match = UNDO_SUBJECT.match(subject)
        numbers = [int(part) for part in match.groups() if part] if match else []
        if not numbers or numbers != sorted(numbers) or max(numbers) >= position:
            raise Bad(f"subject {shown(subject)} does not name earlier change lines of this file (undo:A or undo:A-B)")
        if any(self.archive.changes[number - 1].kind != ChangeKind.DECISION for number in numbers):
            raise Bad(f"subject {shown(subject)}: an undo takes back decision changes, and names another kind")

    def _check_papers_with_importer(self) -> None:
        """The records pass the importer's own checks, and no two are the same paper (by its matching rules)."""
        records = [paper.record for paper in self.archive.papers]
        parsed = ParsedFile(name=self.name, format="jsonl", sha256=self.sha256, records=records)
        check_records(parsed)
        self.problems.extend(parsed.errors)
        for record in records:
            if (earlier := self.index.find(record)) is not None:
                self.problem(record.line, f"the same paper as line {earlier.line} ({earlier.label[:80]})")
            else:
                self.index.add(record)
