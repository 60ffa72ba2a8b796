"""Writing a checked archive (``archive.py``) into the database: the papers through the ordinary importer, then
the review, its people, vocabulary, the team's work and its history, all in one transaction.

Timestamps are restored as the file gives them. Several columns set themselves on save (``auto_now`` and
``auto_now_add``), and ``bulk_create`` sets them too, so each row's time is written back afterwards by an UPDATE
(``_create_with_times``). The summaries are then recounted by the review's own rules, and must come out as
the file says.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, connection, transaction

from papers.importers.matching import existing_matches
from papers.importers.records import ImportProblem, ParsedFile
from papers.importers.upsert import upsert_parsed_file

from ..markdown import render_markdown
from ..models import (
    Assignment,
    Change,
    ChangeKind,
    Comment,
    ExclusionReason,
    Membership,
    PaperTag,
    Resolution,
    Review,
    ReviewPaper,
    Score,
    ScreeningDecision,
    Tag,
    tag_key,
)
from . import ImportRefused
from .archive import Archive

BATCH_SIZE = 500
TIME_UPDATE_BATCH = 1000
VALUES_ROW = "(%s, %s)"


@dataclass(slots=True)
class RestoreReport:
    slug: str
    papers: int = 0
    papers_created: int = 0
    papers_matched: int = 0
    members: int = 0
    decisions: int = 0
    scores: int = 0
    tags_applied: int = 0
    comments: int = 0
    resolutions: int = 0
    assignments: int = 0
    changes: int = 0
    dry_run: bool = False

    def summary_lines(self) -> list[str]:
        verb = "Dry run, nothing written. Would restore" if self.dry_run else "Restored"
        return [
            f"{verb} review “{self.slug}”: {self.papers} papers ({self.papers_created} new to the corpus, "
            f"{self.papers_matched} already in it), {self.members} members, {self.decisions} decisions, "
            f"{self.scores} scores, {self.tags_applied} tags applied, {self.comments} comments, "
            f"{self.resolutions} final decisions, {self.assignments} assignments, {self.changes} history entries."
        ]


class _DryRun(Exception):
    pass


def parse_user_map(pairs: list[str]) -> dict[str, str]:
    """``["old=new", …]`` as a dict; ImportRefused for a malformed pair or an old name given twice."""
    mapping: dict[str, str] = {}
    problems = []
    for pair in pairs:
        old, equals, new = pair.partition("=")
        if not equals or not old.strip() or not new.strip():
            problems.append(f"--map-user {pair!r}: write it as OLD=NEW (a username in the file = one here)")
        elif old.strip() in mapping:
            problems.append(f"--map-user maps {old.strip()!r} twice")
        else:
            mapping[old.strip()] = new.strip()
    if problems:
        raise ImportRefused(problems)
    return mapping


def resolve_users(archive: Archive, mapping: dict[str, str]) -> dict[str, object]:
    """The account each username of the archive stands for here (after ``mapping``); ImportRefused naming every
    username with no account, and every mapping that names no user of the file. A username the history names only
    as text (``Archive.history_usernames``, e.g. a member since removed whose account is gone) needs no account,
    but may be mapped."""
    named = archive.usernames()
    problems = []
    for old in sorted(set(mapping) - set(named) - archive.history_usernames()):
        problems.append(f"--map-user {old}={mapping[old]}: the archive names no user {old!r}")
    targets = defaultdict(list)
    for username in named:
        targets[mapping.get(username, username)].append(username)
    for target, sources in sorted(targets.items()):
        if len(sources) > 1:
            problems.append(f"--map-user makes {', '.join(sorted(sources))} all into {target!r}: each needs its own")
    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    found = {getattr(user, field): user for user in user_model.objects.filter(**{f"{field}__in": list(targets)})}
    missing = sorted((username for username in named if mapping.get(username, username) not in found), key=str)
    if missing:
        places = ", ".join(
            f"{username} ({archive.name}:{named[username]})"
            if username not in mapping
            else f"{username} (mapped to {mapping[username]}, who does not exist)"
            for username in missing
        )
        problems.append(
            f"{archive.name}: no account here for {places}. Create the accounts first, or map each to an "
            f"existing one with --map-user OLD=NEW (e.g. --map-user {missing[0]}=THEIR_USERNAME_HERE)"
        )
    if problems:
        raise ImportRefused(problems)
    return {username: found[mapping.get(username, username)] for username in named}


def restore_review(archive: Archive, *, user_map: dict[str, str] | None = None, slug: str | None = None,
                   dry_run: bool = False) -> RestoreReport:  # fmt: skip
    """Write ``archive`` as a new review (called ``slug`` if given, else the file's slug); ImportRefused if the
    slug is taken, a user is unknown, or the recounted summaries differ from the file's. All or nothing."""
    user_map = user_map or {}
    if slug is not None:
        _check_slug(slug)
    users = resolve_users(archive, user_map)
    slug = slug or archive.review["slug"]
    report = RestoreReport(slug=slug, dry_run=dry_run)
    try:
        with transaction.atomic():
            _Restorer(archive, users, user_map, slug, report).run()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _check_slug(slug: str) -> None:
    max_length = Review._meta.get_field("slug").max_length
    try:
        validate_slug(slug)
    except ValidationError:
        raise ImportRefused([f"--slug {slug[:90]!r}: use letters, digits, - and _ only"]) from None
    if len(slug) > max_length:
        raise ImportRefused([f"--slug: at most {max_length} characters"])


class _Restorer:
    def __init__(self, archive: Archive, users: dict, user_map: dict[str, str], slug: str, report: RestoreReport):
        self.archive = archive
        self.users = users
        self.user_map = user_map
        self.slug = slug
        self.report = report

    def user_id(self, username: str | None) -> int | None:
        return None if username is None else self.users[username].pk

    def run(self) -> None:
        if Review.objects.filter(slug=self.slug).exists():
            raise ImportRefused(
                [f"{self.archive.name}: a review called “{self.slug}” exists already; choose another with --slug NEW"]
            )
        self.paper_ids = self._papers()
        self.review = self._review()
        self._members()
        self.tags = self._tags()
        self.reasons, self.reason_ids = self._reasons()
        self._review_papers()
        self._annotations()
        self.comment_pks = self._comments()
        self._resolutions()
        self._assignments()
        self._changes()
        self._recount_and_compare()

    def _papers(self) -> dict[int, int]:
        records = [paper.record for paper in self.archive.papers]
        before = {position: paper.pk for position, paper in existing_matches(records).items()}
        # Recorded as the JSON Lines it is (ImportFormat), so the paper's import sources name it.
        # Created last paper first: the list (and so the archive) puts the newer id first among papers of the same
        # month without an arXiv id, so the restored papers keep the file's order and export again the same.
        parsed = ParsedFile(name=self.archive.name, format="jsonl", sha256=self.archive.sha256, records=records[::-1])
        file_report = upsert_parsed_file(parsed)
        matches = existing_matches(records)
        paper_ids, problems, taken = {}, [], {}
        for position, paper in enumerate(self.archive.papers):
            found = matches.get(position)
            if found is None:  # cannot happen: every record was just upserted
                problems.append(ImportProblem(self.archive.name, paper.line, "the paper could not be stored"))
                continue
            if found.pk in taken:
                problems.append(
                    ImportProblem(
                        self.archive.name,
                        paper.line,
                        f"the same paper here as line {taken[found.pk]} ({found.display_id}): the file's two "
                        "papers would become one",
                    )
                )
            taken[found.pk] = paper.line
            paper_ids[paper.ref] = found.pk
        if problems:
            raise ImportRefused(problems)
        self.report.papers = len(paper_ids)
        self.report.papers_matched = len(before)
        self.report.papers_created = file_report.created
        return paper_ids

    def _review(self) -> Review:
        fields = dict(self.archive.review)
        created_at = fields.pop("created_at")
        fields["slug"] = self.slug
        try:
            with transaction.atomic():
                review = Review.objects.create(**fields)
        except IntegrityError:
            # Someone created a review with this slug since run() looked.
            raise ImportRefused(
                [f"{self.archive.name}: a review called “{self.slug}” was just created; use --slug"]
            ) from None
        Review.objects.filter(pk=review.pk).update(created_at=created_at)
        return review

    def _members(self) -> None:
        rows = [
            Membership(review=self.review, user_id=self.user_id(member["username"]), role=member["role"])
            for member in self.archive.members
        ]
        times = [member["joined_at"] for member in self.archive.members]
        _create_with_times(Membership, rows, "joined_at", times)
        self.report.members = len(rows)

    def _tags(self) -> dict[str, int]:
        rows = [
            Tag(
                review=self.review,
                name=tag["name"],
                normalised_name=tag_key(tag["name"]),
                colour=tag["colour"],
                description=tag["description"],
                created_by_id=self.user_id(tag["created_by"]),
            )
            for tag in self.archive.tags
        ]
        _create_with_times(Tag, rows, "created_at", [tag["created_at"] for tag in self.archive.tags])
        return {row.name: row.pk for row in rows}

    def _reasons(self) -> tuple[dict[str, int], list[int]]:
        rows = [
            ExclusionReason(review=self.review, label=reason["label"], position=reason["position"])
            for reason in self.archive.reasons
        ]
        ExclusionReason.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        return {row.label: row.pk for row in rows}, [row.pk for row in rows]

    def reason_id(self, label: str | None) -> int | None:
        return None if label is None else self.reasons[label]

    def _review_papers(self) -> None:
        rows = [ReviewPaper(review=self.review, paper_id=self.paper_ids[paper.ref]) for paper in self.archive.papers]
        _create_with_times(ReviewPaper, rows, "added_at", [paper.added_at for paper in self.archive.papers])

    def _annotations(self) -> None:
        decisions, decision_times, scores, score_times, tags, tag_times = [], [], [], [], [], []
        for paper in self.archive.papers:
            of_paper = {"review": self.review, "paper_id": self.paper_ids[paper.ref]}
            for row in paper.decisions:
                decisions.append(
                    ScreeningDecision(
                        **of_paper,
                        user_id=self.user_id(row["user"]),
                        decision=row["decision"],
                        reason_id=self.reason_id(row["reason"]),
                    )
                )
                decision_times.append(row["updated_at"])
            for row in paper.scores:
                scores.append(Score(**of_paper, user_id=self.user_id(row["user"]), value=row["value"]))
                score_times.append(row["updated_at"])
            for row in paper.tags:
                tags.append(PaperTag(**of_paper, tag_id=self.tags[row["tag"]], applied_by_id=self.user_id(row["user"])))
                tag_times.append(row["applied_at"])
        _create_with_times(ScreeningDecision, decisions, "updated_at", decision_times)
        _create_with_times(Score, scores, "updated_at", score_times)
        _create_with_times(PaperTag, tags, "applied_at", tag_times)
        self.report.decisions, self.report.scores, self.report.tags_applied = len(decisions), len(scores), len(tags)

    def _comments(self) -> dict[tuple[int, int], int]:
        """Create the comments in the file's order (so their ids keep it); (paper ref, file-local id) → pk."""
        pks: dict[tuple[int, int], int] = {}
        pending: list[tuple[tuple[int, int], Comment]] = []
        rows_with_times = []
        for paper in self.archive.papers:
            for row in paper.comments:
                key = (paper.ref, row["id"])
                parent_key = (paper.ref, row["parent"]) if row["parent"] is not None else None
                if parent_key is not None and parent_key not in pks:
                    # The parent is in this batch and has no id yet.
                    self._create_comments(pending, pks, rows_with_times)
                comment = Comment(
                    review=self.review,
                    paper_id=self.paper_ids[paper.ref],
                    author_id=self.user_id(row["user"]),
                    parent_id=pks[parent_key] if parent_key else None,
                    body=row["body"],
                    body_html=render_markdown(row["body"]),
                    quote=row["quote"],
                    quote_start=row["quote_start"],
                    quote_end=row["quote_end"],
                    hidden=row["hidden"],
                    edited_at=row["edited_at"],
                    deleted_at=row["deleted_at"],
                )
                pending.append((key, comment))
                rows_with_times.append(row["created_at"])
                if len(pending) >= BATCH_SIZE:
                    self._create_comments(pending, pks, rows_with_times)
        self._create_comments(pending, pks, rows_with_times)
        self.report.comments = len(pks)
        return pks

    def _create_comments(self, pending: list, pks: dict, times: list) -> None:
        if not pending:
            return
        comments = [comment for _, comment in pending]
        _create_with_times(Comment, comments, "created_at", times[: len(comments)])
        del times[: len(comments)]
        for key, comment in pending:
            pks[key] = comment.pk
        pending.clear()

    def _resolutions(self) -> None:
        rows = []
        for paper in self.archive.papers:
            if (resolution := paper.resolution) is None:
                continue
            rows.append(
                Resolution(
                    review=self.review,
                    paper_id=self.paper_ids[paper.ref],
                    decision=resolution["decision"],
                    reason_id=self.reason_id(resolution["reason"]),
                    note=resolution["note"],
                    resolved_by_id=self.user_id(resolution["user"]),
                    resolved_at=resolution["at"],
                    reopened_at=resolution["reopened_at"],
                    reopened_by_id=self.user_id(resolution["reopened_by"]),
                )
            )
        Resolution.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.report.resolutions = len(rows)

    def _assignments(self) -> None:
        rows, times = [], []
        for paper in self.archive.papers:
            for row in paper.assignments:
                rows.append(
                    Assignment(
                        review=self.review, paper_id=self.paper_ids[paper.ref], user_id=self.user_id(row["user"])
                    )
                )
                times.append(row["assigned_at"])
        _create_with_times(Assignment, rows, "assigned_at", times)
        self.report.assignments = len(rows)

    # History

    def _changes(self) -> None:
        rows = []
        for change in self.archive.changes:
            rows.append(
                Change(
                    review=self.review,
                    paper_id=self.paper_ids[change.paper_ref] if change.paper_ref else None,
                    user_id=self.user_id(change.user),
                    kind=change.kind,
                    subject=self._subject(change),
                    before=self._state(change.before),
                    after=self._state(change.after),
                    at=change.at,
                )
            )
        Change.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        change_pks = [row.pk for row in rows]
        # An undo names the changes it took back: their new ids are known only now.
        undoing = []
        for row in rows:
            if row.kind == ChangeKind.DECISION and row.subject.startswith("undo:"):
                first, _, last = row.subject.removeprefix("undo:").partition("-")
                numbers = [change_pks[int(first) - 1]] + ([change_pks[int(last) - 1]] if last else [])
                row.subject = "undo:" + "-".join(map(str, numbers))
                undoing.append(row)
        Change.objects.bulk_update(undoing, ["subject"], batch_size=BATCH_SIZE)
        self.report.changes = len(rows)

    def _subject(self, change) -> str:
        subject = change.subject
        if change.kind == ChangeKind.COMMENT and subject.startswith("comment:"):
            return str(self.comment_pks[change.paper_ref, int(subject.removeprefix("comment:"))])
        if change.kind == ChangeKind.TAG and subject.startswith("tag:"):
            return str(self.tags[subject.removeprefix("tag:")])
        if change.kind == ChangeKind.SETTING and subject.startswith("member:"):
            username = subject.removeprefix("member:")
            return f"member:{self.user_map.get(username, username)}"
        return subject

    def _state(self, state):
        if not isinstance(state, dict):
            return state
        state = dict(state)
        if "reason_ref" in state:
            state["reason_id"] = self.reason_ids[state.pop("reason_ref") - 1]
        # The usernames a state may hold (``annotating.remove_tag``'s applied_by, ``assigning.assign_papers``'s
        # reviewers) are renamed as everywhere else.
        if self.user_map and isinstance(state.get("applied_by"), str):
            state["applied_by"] = self.user_map.get(state["applied_by"], state["applied_by"])
        if self.user_map and isinstance(state.get("reviewers"), dict):
            state["reviewers"] = {self.user_map.get(name, name): n for name, n in state["reviewers"].items()}
        return state

    # Summaries

    def _recount_and_compare(self) -> None:
        rows = ReviewPaper.objects.filter(review=self.review)
        rows.recount()
        stored = {
            paper_id: (team_status, final_decision, final_reason)
            for paper_id, team_status, final_decision, final_reason in rows.values_list(
                "paper_id", "team_status", "final_decision", "final_reason__label"
            )
        }
        problems = []
        for paper in self.archive.papers:
            team_status, final_decision, final_reason = stored[self.paper_ids[paper.ref]]
            expected = (paper.team_status, paper.final_decision or "", paper.final_reason)
            if (team_status, final_decision or "", final_reason) != expected:
                problems.append(
                    ImportProblem(
                        self.archive.name,
                        paper.line,
                        f"the file says team status {expected[0]!r}, final decision {expected[1] or None!r} "
                        f"(reason {expected[2]!r}), but its votes and resolution give {team_status!r}, "
                        f"{final_decision or None!r} (reason {final_reason!r}): the file was edited inconsistently",
                    )
                )
        if problems:
            raise ImportRefused(problems[:50])


def _create_with_times(model, rows: list, field: str, times: list) -> None:
    """``bulk_create`` the rows, then give each its time in ``field`` (which saving sets to now).

    One ``UPDATE … FROM (VALUES …)`` a chunk: ``bulk_update``'s CASE of 500 branches took most of a large
    import's time (8.6 of 20 s for 5,000 papers). PostgreSQL and SQLite both name a VALUES list's columns
    column1, column2.
    """
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    column = model._meta.get_field(field).column
    table, quote = model._meta.db_table, connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    pairs = [(row.pk, adapt(moment)) for row, moment in zip(rows, times, strict=True)]
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), TIME_UPDATE_BATCH):
            chunk = pairs[start : start + TIME_UPDATE_BATCH]
            values = ", ".join([VALUES_ROW] * len(chunk))
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = times.column2 "  # noqa: S608 - names from the models
                f"FROM (VALUES {values}) AS times WHERE {quote(table)}.{quote(model._meta.pk.column)} = times.column1",
                [value for pair in chunk for value in pair],
            )
    for row, moment in zip(rows, times, strict=True):
        setattr(row, field, moment)
