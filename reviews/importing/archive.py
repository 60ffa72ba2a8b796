"""Reading a review archive (``export_review --format jsonl``) and checking every line before anything is written.

The format is described in the README (*Moving a review between installations*). Every value is checked for
its type, its bounds and what it refers to (a reason, a tag, a comment, a paper of the file), so a truncated,
hand-edited or hostile file is refused as ``FILE:LINE: reason`` and ``restore.py`` can write without surprises.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

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

FORMAT_TYPE = "marginalia-review"
FORMAT_VERSION = 1
FULL_SCOPE = "everything"
# Far above a real review's texts, low enough that a hostile file cannot make one value fill the memory.
MAX_TEXT = 100_000
MAX_USERNAME = 150
MAX_JSON_STATE = 100_000
MAX_STATE_DEPTH = 20
# A line is one paper with all its comments: generous, but a bound.
MAX_LINE_BYTES = 64 * 1024 * 1024
# After this many problems the rest of a bad file is not worth reading.
MAX_PROBLEMS = 50
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
UNDO_SUBJECT = re.compile(r"^undo:([1-9]\d{0,9})(?:-([1-9]\d{0,9}))?$")
# PostgreSQL stores neither NUL nor lone surrogates, in text or in JSON.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
FINAL_DECISIONS = {*FinalChoice.values, DecisionChoice.MAYBE}


class Bad(Exception):
    """A value of the current line is wrong; the message says which and why."""


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
                    raise Bad(f"expected a {kind} line (type {kind!r}), found type {_shown(obj.get('type'))}")
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
            obj = json.loads(decoded, parse_constant=_refuse_constant)
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
            raise Bad(f"not a Marginalia review archive (the first line's type is {_shown(obj.get('type'))})")
        _known(obj, {"type", "version", "scope", "review", "members", "tags", "reasons", "papers", "changes"})
        if obj.get("version") != FORMAT_VERSION or type(obj.get("version")) is not int:
            raise Bad(f"unknown archive version {_shown(obj.get('version'))} (this Marginalia reads version 1)")
        scope = _text(obj, "scope", 200)
        if scope != FULL_SCOPE:
            raise Bad(
                f"this archive holds only what one member could see (scope {scope!r}); only a full archive, "
                "exported by an owner or a resolver, can be restored"
            )
        review = self._review(_dict(obj, "review"))
        members = [self._member(item, n) for n, item in enumerate(_list(obj, "members"), 1)]
        if len({member["username"] for member in members}) != len(members):
            raise Bad("members: a username is listed twice")
        if not any(member["role"] == Role.OWNER for member in members):
            raise Bad("members: the review has no owner")
        tags = [self._tag(item, n) for n, item in enumerate(_list(obj, "tags", MAX_TAGS_PER_REVIEW), 1)]
        reasons = [self._reason(item, n) for n, item in enumerate(_list(obj, "reasons", MAX_REASONS_PER_REVIEW), 1)]
        for number, reason in enumerate(reasons, 1):
            if reason["label"] in self.reasons:
                raise Bad(f"reasons: {reason['label']!r} is listed twice")
            self.reasons[reason["label"]] = number
        for count in ("papers", "changes"):
            _integer(obj, count, 0, 10**9)
        return Archive(self.name, self.sha256, review, members, tags, reasons)

    def _review(self, obj: dict) -> dict:
        _known(
            obj,
            {
                "slug", "title", "research_question", "inclusion_criteria", "exclusion_criteria", "allow_new_tags",
                "inclusion_keywords", "exclusion_keywords", "blind", "hide_comments_while_blind",
                "required_screeners", "conflict_rule", "created_at",
            },
            "review",
        )  # fmt: skip
        slug = _text(obj, "slug", 80, where="review")
        try:
            validate_slug(slug)
        except ValidationError:
            raise Bad(f"review.slug {slug[:90]!r} is not a slug (letters, digits, - and _)") from None
        title = _text(obj, "title", 200, where="review")
        if not title.strip():
            raise Bad("review.title is empty")
        review = {"slug": slug, "title": title}
        for name in ("research_question", "inclusion_criteria", "exclusion_criteria"):
            review[name] = _text(obj, name, MAX_TEXT, where="review")
        for name in ("inclusion_keywords", "exclusion_keywords"):
            review[name] = _text(obj, name, MAX_TEXT, where="review")
        for name in ("allow_new_tags", "blind", "hide_comments_while_blind"):
            review[name] = _boolean(obj, name, where="review")
        review["required_screeners"] = _integer(obj, "required_screeners", 1, MAX_REQUIRED_SCREENERS, where="review")
        review["conflict_rule"] = _choice(obj, "conflict_rule", ConflictRule.values, where="review")
        review["created_at"] = _moment(obj, "created_at", where="review")
        return review

    def _member(self, obj, number: int) -> dict:
        where = f"members[{number}]"
        obj = _as_dict(obj, where)
        _known(obj, {"username", "role", "joined_at"}, where)
        return {
            "username": _username(obj, "username", where=where),
            "role": _choice(obj, "role", Role.values, where=where),
            "joined_at": _moment(obj, "joined_at", where=where),
        }

    def _tag(self, obj, number: int) -> dict:
        where = f"tags[{number}]"
        obj = _as_dict(obj, where)
        _known(obj, {"name", "colour", "description", "created_by", "created_at"}, where)
        name = _text(obj, "name", 200, where=where)
        try:
            validate_tag_name(name)
        except ValidationError as error:
            raise Bad(f"{where}.name {name[:60]!r}: {error.messages[0]}") from None
        if tag_key(name) in self.tag_names:
            raise Bad(f"{where}: the tag {name!r} is listed twice")
        self.tag_names[tag_key(name)] = name
        colour = _text(obj, "colour", 7, where=where)
        if not COLOUR.match(colour):
            raise Bad(f"{where}.colour {colour!r} is not a colour like #1f77b4")
        return {
            "name": name,
            "colour": colour,
            "description": _text(obj, "description", MAX_TEXT, where=where),
            "created_by": _username(obj, "created_by", where=where, null=True),
            "created_at": _moment(obj, "created_at", where=where),
        }

    def _reason(self, obj, number: int) -> dict:
        where = f"reasons[{number}]"
        obj = _as_dict(obj, where)
        _known(obj, {"label", "position"}, where)
        label = _text(obj, "label", 120, where=where)
        if not label.strip():
            raise Bad(f"{where}.label is empty")
        return {"label": label, "position": _integer(obj, "position", 0, 32767, where=where)}

    # Paper lines

    def _paper(self, obj: dict, line: int, ref: int) -> ArchivePaper:
        if _integer(obj, "ref", 1, 10**9) != ref:
            raise Bad(f"ref is {obj['ref']} but this is paper line {ref}: the papers were reordered or cut")
        _known(
            obj,
            {
                "type", "ref", "paper", "added_at", "final_decision", "final_reason", "team_status", "decisions",
                "scores", "tags", "comments", "resolution", "assignments",
            },
        )  # fmt: skip
        record = self._record(_dict(obj, "paper"), line)
        final_decision = _choice(obj, "final_decision", FINAL_DECISIONS, null=True, blank=True) or ""
        final_reason = self._reason_label(obj, "final_reason")
        decisions = self._rows(obj, "decisions", self._decision, unique=("user",))
        scores = self._rows(obj, "scores", self._score, unique=("user",))
        tags = self._rows(obj, "tags", self._paper_tag, unique=("tag", "user"))
        comments = self._comments(_list(obj, "comments"), record.abstract, ref)
        assignments = self._rows(obj, "assignments", self._assignment, unique=("user",))
        resolution = None
        if obj.get("resolution") is not None:
            resolution = self._resolution(_dict(obj, "resolution"))
        return ArchivePaper(
            line=line,
            ref=ref,
            record=record,
            added_at=_moment(obj, "added_at"),
            final_decision=final_decision,
            final_reason=final_reason,
            team_status=_choice(obj, "team_status", TeamStatus.values),
            decisions=decisions,
            scores=scores,
            tags=tags,
            comments=comments,
            resolution=resolution,
            assignments=assignments,
        )

    def _record(self, obj: dict, line: int) -> PaperRecord:
        where = "paper"
        _known(
            obj,
            {
                "arxiv_id", "version", "doi", "pmid", "title", "authors", "abstract", "year", "month", "venue",
                "primary_category", "url", "extra", "submitted_month",
            },
            where,
        )  # fmt: skip
        arxiv_id = _text(obj, "arxiv_id", 40, where=where)
        if arxiv_id:
            try:
                parsed = parse_arxiv_id(arxiv_id)
            except InvalidArxivId as error:
                raise Bad(f"paper.arxiv_id: {error}") from None
            if parsed.canonical != arxiv_id:
                raise Bad(f"paper.arxiv_id {arxiv_id!r} is not written canonically (without its version)")
        doi = _text(obj, "doi", 255, where=where)
        if doi and normalize_doi(doi) != doi:
            raise Bad(f"paper.doi {doi[:80]!r} is not a bare lower-case DOI")
        pmid = _text(obj, "pmid", 12, where=where)
        if pmid and not (pmid.isascii() and pmid.isdigit()):
            raise Bad(f"paper.pmid {pmid!r} is not a PubMed id (digits)")
        authors = _list(obj, "authors", 10_000, where=where)
        if not all(isinstance(author, str) and len(author) <= 1000 for author in authors):
            raise Bad("paper.authors must be a list of names (strings of at most 1000 characters)")
        extra = obj.get("extra")
        if not isinstance(extra, dict):
            raise Bad(f"paper.extra must be an object, not {_type_name(extra)}")
        month = obj.get("submitted_month")
        if month is not None and not (isinstance(month, str) and MONTH.match(month)):
            raise Bad(f"paper.submitted_month {_shown(month)} is not a month like 2023-03")
        return PaperRecord(
            arxiv_id=arxiv_id,
            version=_integer(obj, "version", 1, 32767, where=where, null=True),
            line=line,
            abstract=_text(obj, "abstract", MAX_TEXT, where=where),
            title=_text(obj, "title", MAX_TEXT, where=where),
            authors=authors,
            primary_category=_text(obj, "primary_category", 40, where=where),
            doi=doi,
            url=_text(obj, "url", 500, where=where),
            pmid=pmid,
            venue=_text(obj, "venue", 500, where=where),
            year=_integer(obj, "year", 1, 9999, where=where, null=True),
            month=_integer(obj, "month", 1, 12, where=where, null=True),
            extra=extra,
        )

    def _rows(self, obj: dict, name: str, check, unique: tuple[str, ...]) -> list[dict]:
        rows, seen = [], set()
        for number, item in enumerate(_list(obj, name), 1):
            row = check(_as_dict(item, f"{name}[{number}]"), f"{name}[{number}]")
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
                raise Bad(f"{_path(where, name)} is missing")
            return None
        if not isinstance(label, str) or label not in self.reasons:
            raise Bad(f"{_path(where, name)} {_shown(label)} is not one of the review's exclusion reasons")
        return label

    def _decision(self, obj: dict, where: str) -> dict:
        _known(obj, {"user", "decision", "reason", "updated_at"}, where)
        return {
            "user": _username(obj, "user", where=where),
            "decision": _choice(obj, "decision", DecisionChoice.values, where=where),
            "reason": self._reason_label(obj, "reason", where),
            "updated_at": _moment(obj, "updated_at", where=where),
        }

    def _score(self, obj: dict, where: str) -> dict:
        _known(obj, {"user", "value", "updated_at"}, where)
        return {
            "user": _username(obj, "user", where=where),
            "value": _integer(obj, "value", MIN_SCORE, MAX_SCORE, where=where),
            "updated_at": _moment(obj, "updated_at", where=where),
        }

    def _paper_tag(self, obj: dict, where: str) -> dict:
        _known(obj, {"tag", "user", "applied_at"}, where)
        name = _text(obj, "tag", 200, where=where)
        if self.tag_names.get(tag_key(name)) != name:
            raise Bad(f"{where}.tag {name[:60]!r} is not one of the review's tags")
        return {
            "tag": name,
            "user": _username(obj, "user", where=where, null=True),
            "applied_at": _moment(obj, "applied_at", where=where),
        }

    def _assignment(self, obj: dict, where: str) -> dict:
        _known(obj, {"user", "assigned_at"}, where)
        return {"user": _username(obj, "user", where=where), "assigned_at": _moment(obj, "assigned_at", where=where)}

    def _resolution(self, obj: dict) -> dict:
        where = "resolution"
        _known(obj, {"decision", "reason", "note", "user", "at", "reopened_at", "reopened_by"}, where)
        return {
            "decision": _choice(obj, "decision", FinalChoice.values, where=where),
            "reason": self._reason_label(obj, "reason", where),
            "note": _text(obj, "note", 2000, where=where),
            "user": _username(obj, "user", where=where, null=True),
            "at": _moment(obj, "at", where=where),
            "reopened_at": _moment(obj, "reopened_at", where=where, null=True),
            "reopened_by": _username(obj, "reopened_by", where=where, null=True),
        }

    def _comments(self, items: list, abstract: str, ref: int) -> list[dict]:
        comments, ids = [], set()
        for number, item in enumerate(items, 1):
            where = f"comments[{number}]"
            obj = _as_dict(item, where)
            _known(
                obj,
                {
                    "id", "parent", "user", "body", "quote", "quote_start", "quote_end", "hidden", "created_at",
                    "edited_at", "deleted_at",
                },
                where,
            )  # fmt: skip
            comment_id = _integer(obj, "id", 1, 10**9, where=where)
            if comment_id in ids or (ids and comment_id < max(ids)):
                raise Bad(f"{where}.id {comment_id} is repeated or out of order")
            parent = _integer(obj, "parent", 1, 10**9, where=where, null=True)
            if parent is not None and parent not in ids:
                raise Bad(f"{where}.parent {parent} is not an earlier comment of this paper")
            start = _integer(obj, "quote_start", 0, len(abstract), where=where, null=True)
            end = _integer(obj, "quote_end", 0, len(abstract), where=where, null=True)
            if (start is None) != (end is None) or (start is not None and start > end):
                raise Bad(f"{where}: quote_start and quote_end do not make a passage of the abstract")
            ids.add(comment_id)
            comments.append(
                {
                    "id": comment_id,
                    "parent": parent,
                    "user": _username(obj, "user", where=where, null=True),
                    "body": _text(obj, "body", COMMENT_MAX_LENGTH, where=where),
                    "quote": _text(obj, "quote", MAX_TEXT, where=where),
                    "quote_start": start,
                    "quote_end": end,
                    "hidden": _boolean(obj, "hidden", where=where),
                    "created_at": _moment(obj, "created_at", where=where),
                    "edited_at": _moment(obj, "edited_at", where=where, null=True),
                    "deleted_at": _moment(obj, "deleted_at", where=where, null=True),
                }
            )
        self.comment_ids[ref] = ids
        return comments

    # Change lines

    def _change(self, obj: dict, line: int, change_count: int) -> ArchiveChange:
        _known(obj, {"type", "kind", "user", "paper", "subject", "before", "after", "at"})
        paper = obj.get("paper", ...)
        if paper is ...:
            raise Bad("paper is missing")
        paper_ref = None
        if paper is not None:
            paper = _as_dict(paper, "paper")
            _known(paper, {"ref", "arxiv_id", "doi", "pmid", "title"}, "paper")
            paper_ref = _integer(paper, "ref", 1, self.paper_count, where="paper")
        before, after = obj.get("before"), obj.get("after")
        for name, state in (("before", before), ("after", after)):
            self._state(state, name)
        return ArchiveChange(
            line=line,
            kind=_choice(obj, "kind", ChangeKind.values),
            user=_username(obj, "user", null=True),
            paper_ref=paper_ref,
            subject=_text(obj, "subject", 100),
            before=before,
            after=after,
            at=_moment(obj, "at"),
        )

    def _state(self, state, name: str) -> None:
        if state is not None and not isinstance(state, dict):
            raise Bad(f"{name} must be an object or null, not {_type_name(state)}")
        if state is None:
            return
        _check_json_value(state, name)
        if len(json.dumps(state)) > MAX_JSON_STATE:
            raise Bad(f"{name} is longer than {MAX_JSON_STATE} characters")
        reason_ref = state.get("reason_ref")
        if reason_ref is not None and (type(reason_ref) is not int or not 1 <= reason_ref <= len(self.archive.reasons)):
            raise Bad(f"{name}.reason_ref {_shown(reason_ref)} is not a reason of the header")
        if "reason_id" in state:
            raise Bad(f"{name}.reason_id is a database id; an archive names reasons by reason_ref")

    def _check_change_subjects(self) -> None:
        count = len(self.archive.changes)
        for change in self.archive.changes:
            subject = change.subject
            problem = None
            if change.kind == ChangeKind.COMMENT and subject.startswith("comment:"):
                number = subject.removeprefix("comment:")
                known = self.comment_ids.get(change.paper_ref, set())
                if not (number.isascii() and number.isdigit() and int(number) in known):
                    problem = f"subject {subject!r} is not a comment of the change's paper"
            elif change.kind == ChangeKind.TAG and subject.startswith("tag:"):
                name = subject.removeprefix("tag:")
                if self.tag_names.get(tag_key(name)) != name:
                    problem = f"subject {subject[:60]!r} is not one of the review's tags"
            elif change.kind == ChangeKind.DECISION and subject.startswith("undo:"):
                match = UNDO_SUBJECT.match(subject)
                numbers = [int(part) for part in match.groups() if part] if match else []
                if not numbers or max(numbers) > count or numbers != sorted(numbers):
                    problem = f"subject {subject!r} does not name change lines of this file"
            elif subject.isdigit() and change.kind in (ChangeKind.COMMENT, ChangeKind.TAG):
                problem = f"subject {subject!r} is a database id; an archive names it as comment:N or tag:NAME"
            if problem:
                self.problem(change.line, problem)

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


# Typed reads of one value; each raises Bad naming the field.


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _type_name(value) -> str:
    return "null" if value is None else type(value).__name__


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=True) if isinstance(value, str | int | float | bool | None) else "…"
    return text if len(text) <= 60 else text[:57] + "…"


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _check_json_value(value, name: str) -> None:
    """A history state is stored as JSON: no NUL or lone surrogate in any key or text, and not nested deeply."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_STATE_DEPTH:
            raise Bad(f"{name} is nested more than {MAX_STATE_DEPTH} levels deep")
        if isinstance(item, dict):
            pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and UNSTORABLE.search(item):
            raise Bad(f"{name} holds a NUL or an unpaired surrogate, which cannot be stored")


def _known(obj: dict, names: set[str], where: str = "") -> None:
    if unknown := sorted(set(obj) - names):
        raise Bad(f"{_path(where, unknown[0])[:80]}: unknown field")
    if missing := sorted(names - set(obj)):
        raise Bad(f"{_path(where, missing[0])} is missing")


def _as_dict(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Bad(f"{where} must be an object, not {_type_name(value)}")
    return value


def _dict(obj: dict, name: str, where: str = "") -> dict:
    return _as_dict(obj.get(name), _path(where, name))


def _list(obj: dict, name: str, limit: int = 100_000, where: str = "") -> list:
    value = obj.get(name)
    if not isinstance(value, list):
        raise Bad(f"{_path(where, name)} must be a list, not {_type_name(value)}")
    if len(value) > limit:
        raise Bad(f"{_path(where, name)} has {len(value)} items, more than {limit}")
    return value


def _text(obj: dict, name: str, limit: int, where: str = "") -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise Bad(f"{_path(where, name)} must be a string, not {_type_name(value)}")
    if len(value) > limit:
        raise Bad(f"{_path(where, name)} is longer than {limit} characters")
    if match := UNSTORABLE.search(value):
        shown = repr(match[0])[1:-1]
        raise Bad(f"{_path(where, name)} contains {shown}, which cannot be stored (NUL or an unpaired surrogate)")
    return value


def _username(obj: dict, name: str, where: str = "", null: bool = False) -> str | None:
    if obj.get(name) is None and null:
        if name not in obj:
            raise Bad(f"{_path(where, name)} is missing")
        return None
    username = _text(obj, name, MAX_USERNAME, where)
    if not username.strip():
        raise Bad(f"{_path(where, name)} is an empty username")
    return username


def _integer(obj: dict, name: str, low: int, high: int, where: str = "", null: bool = False) -> int | None:
    value = obj.get(name)
    if value is None and null:
        if name not in obj:
            raise Bad(f"{_path(where, name)} is missing")
        return None
    if type(value) is not int:
        raise Bad(f"{_path(where, name)} must be a whole number, not {_type_name(value)}")
    if not low <= value <= high:
        raise Bad(f"{_path(where, name)} {_shown(value)} is out of range ({low}–{high})")
    return value


def _boolean(obj: dict, name: str, where: str = "") -> bool:
    value = obj.get(name)
    if type(value) is not bool:
        raise Bad(f"{_path(where, name)} must be true or false, not {_shown(value)}")
    return value


def _choice(obj: dict, name: str, choices, where: str = "", null: bool = False, blank: bool = False) -> str | None:
    value = obj.get(name)
    if (value is None and null) or (value == "" and blank):
        if name not in obj:
            raise Bad(f"{_path(where, name)} is missing")
        return None
    if not isinstance(value, str) or value not in choices:
        raise Bad(f"{_path(where, name)} {_shown(value)} is not one of {', '.join(sorted(choices))}")
    return value


def _moment(obj: dict, name: str, where: str = "", null: bool = False) -> datetime | None:
    value = obj.get(name)
    if value is None and null:
        if name not in obj:
            raise Bad(f"{_path(where, name)} is missing")
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise Bad(f"{_path(where, name)} must be an ISO 8601 date and time, not {_shown(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Bad(f"{_path(where, name)} {_shown(value)} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise Bad(f"{_path(where, name)} {_shown(value)} has no time zone (write +00:00)")
    return moment.astimezone(UTC)
