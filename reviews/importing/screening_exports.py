"""One reviewer's screening brought over from ASReview or Rayyan: their labelled exports become papers of a
review and that member's decisions, exclusion reasons, tags and notes.

ASReview writes its label in an ``asreview_label`` column (1 relevant, 0 irrelevant, empty not seen; older files
and datasets say ``included`` or ``label_included``) and its notes in ``asreview_note``; its RIS export puts
``ASReview_relevant`` / ``ASReview_irrelevant`` / ``ASReview_not_seen`` in an ``N1`` note. Rayyan keeps everything
in the notes (RIS ``N1``, CSV ``notes``)::

    RAYYAN-INCLUSION: {"Alice"=>"Included", "Bob"=>"Excluded"} | RAYYAN-LABELS: RCT,Adults |
    RAYYAN-EXCLUSION-REASONS: wrong population | USER-NOTES: {"Alice"=>["check the dose"]}

The records go into the corpus through the ordinary importer (matched to papers already there), and the work
through ``bulk_annotate`` (reviews/annotating.py), which writes the history and keeps the summaries true.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

import rispy
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from papers.arxiv_ids import InvalidArxivId, find_arxiv_id, parse_arxiv_id
from papers.identity import normalize_doi, normalize_pmid
from papers.importers.matching import existing_matches
from papers.importers.records import ImportProblem, PaperRecord, ParsedFile
from papers.importers.upsert import upsert_parsed_file
from papers.importers.validation import check_records

from ..annotating import bulk_annotate
from ..models import (
    COMMENT_MAX_LENGTH,
    MAX_REASONS_PER_REVIEW,
    Comment,
    DecisionChoice,
    ExclusionReason,
    Membership,
    PaperTag,
    Review,
    ScreeningDecision,
    Tag,
)
from . import ImportRefused

SOURCES = ("asreview", "rayyan")
RIS_TAG = re.compile(r"^(?:\d+\.\s*)?([A-Z][A-Z0-9])  -(?: (.*))?$")
ASREVIEW_NOTE = re.compile(r"\bASReview_\w+\b")
ASREVIEW_LABELS = {"ASReview_relevant": "1", "ASReview_irrelevant": "0", "ASReview_not_seen": ""}
ASREVIEW_DECISIONS = {"1": DecisionChoice.INCLUDE, "0": DecisionChoice.EXCLUDE, "": "", "-1": ""}
ASREVIEW_LABEL_COLUMNS = ("asreview_label", "included", "label_included")
RAYYAN_SECTION = re.compile(r"(?:^|\s*\|\s*)(RAYYAN-[A-Z-]+|USER-NOTES):\s*")
RAYYAN_DECISIONS = {"included": DecisionChoice.INCLUDE, "excluded": DecisionChoice.EXCLUDE, "maybe": "maybe"}
RAYYAN_UNDECIDED = {"undecided", ""}
QUOTED_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*"((?:[^"\\]|\\.)*)"')
QUOTED_LIST = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*\[([^\]]*)\]')
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
REASON_MAX_LENGTH = 120
MAX_PROBLEMS = 50
CSV_COLUMNS = {
    "title": ("title", "primary_title", "ti"),
    "abstract": ("abstract", "ab", "abstract note", "abstract_note"),
    "authors": ("authors", "author", "au"),
    "year": ("year", "publication_year", "py", "publication year"),
    "doi": ("doi", "do"),
    "pmid": ("pmid", "pubmed_id", "pubmed id"),
    "url": ("url", "urls", "ur"),
    "venue": ("journal", "venue", "secondary_title", "journal_name", "source title", "publication title"),
    "keywords": ("keywords", "kw", "author keywords"),
    "arxiv_id": ("arxiv_id", "arxiv id", "eprint"),
}
EXTRA_COLUMNS = ("volume", "issue", "pages", "issn", "publisher", "language")


@dataclass(slots=True)
class LabelledRecord:
    """A record of the export and what the reviewer made of it."""

    record: PaperRecord
    decision: str = ""
    reasons: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.record.line


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
        if self.reasons_created:
            lines.append(f"  new exclusion reasons: {', '.join(self.reasons_created)}")
        if self.tags_created:
            lines.append(f"  new tags: {', '.join(self.tags_created)}")
        return lines


class _DryRun(Exception):
    pass


# Reading the files


def export_format(data: bytes) -> str:
    """``ris`` or ``csv``: how an export is written, told by its first line (as the batch records it)."""
    first = next((line for line in data[:10_000].split(b"\n") if line.strip()), b"")
    return "ris" if RIS_TAG.match(first.decode("utf-8", "replace").lstrip("\ufeff").strip("\r")) else "csv"


def read_export(source: str, name: str, data: bytes, reviewer: str | None = None) -> list[LabelledRecord]:
    """The labelled records of an ASReview or Rayyan export (RIS or CSV, recognised by its first line)."""
    problems: list[ImportProblem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Both tools' older exports can be Latin-1, which decodes any byte.
        text = data.decode("latin-1")
    first = next((line for line in text.split("\n") if line.strip()), "")
    read_rows = _ris_rows if RIS_TAG.match(first.strip("\r")) else _csv_rows
    rows = read_rows(name, text, problems)
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    if not rows:
        raise ImportRefused([ImportProblem(name, 1, "no records in the file")])
    if source == "rayyan":
        reviewer = _rayyan_reviewer(name, rows, reviewer)
    records = []
    for line, fields in rows:
        try:
            record = _record(fields, line)
            if source == "asreview":
                labelled = _asreview_labels(fields, record)
            else:
                labelled = _rayyan_labels(fields, record, reviewer)
        except ValueError as error:
            problems.append(ImportProblem(name, line, str(error)))
            continue
        records.append(labelled)
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    return records


def _ris_rows(name: str, text: str, problems: list) -> list[tuple[int, dict]]:
    """Each RIS reference as rispy reads it, with its TY line's number; ``notes`` always a list."""
    rows, start, lines = [], None, []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.removesuffix("\r")
        match = RIS_TAG.match(line)
        tag = match[1] if match else None
        if tag == "TY":
            if start is not None:
                problems.append(ImportProblem(name, start, "truncated record: no ER  - line before the next TY  -"))
            start, lines = number, [line[line.index("TY") :]]
        elif start is None:
            if line.strip():
                problems.append(ImportProblem(name, number, "expected TY  - to start a RIS reference"))
        elif tag == "ER":
            lines.append("ER  - ")
            try:
                (reference,) = rispy.loads("\n".join(lines) + "\n", skip_unknown_tags=True)
            except Exception as error:  # rispy raises bare exceptions of several kinds on malformed input
                problems.append(ImportProblem(name, start, f"unparseable RIS reference: {error}"))
            else:
                rows.append((start, reference))
            start, lines = None, []
        else:
            lines.append(line)
    if start is not None:
        problems.append(ImportProblem(name, start, "truncated record: no ER  - line at end of file"))
    return rows


def _csv_rows(name: str, text: str, problems: list) -> list[tuple[int, dict]]:
    """Each CSV row as {lower-case column: cell}, with the line it starts on."""
    sample = text[:10_000]
    delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
    if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(delimiter):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, header, read = [], None, 0
    while True:
        start = read + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(ImportProblem(name, start, f"broken CSV: {error}"))
            return rows
        read = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if not {"title", "abstract"} & set(header) and not {"primary_title", "ti"} & set(header):
                problems.append(ImportProblem(name, start, f"no title or abstract column (header: {', '.join(row)})"))
                return rows
            continue
        if len(row) > len(header):
            problems.append(ImportProblem(name, start, f"row has {len(row)} cells, the header {len(header)}"))
            continue
        rows.append((start, dict(zip(header, row, strict=False))))
    return rows


def _cell(fields: dict, name: str) -> str:
    for column in CSV_COLUMNS.get(name, (name,)):
        value = fields.get(column)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _record(fields: dict, line: int) -> PaperRecord:
    """The bibliographic record of a RIS reference or CSV row."""
    authors = fields.get("authors") or fields.get("first_authors")
    if not isinstance(authors, list):
        text = _cell(fields, "authors")
        authors = re.split(r"\s*;\s*|\s+and\s+", text) if text else []
    authors = [_first_name_first(author) for author in authors if author.strip()]
    year_text = _cell(fields, "year") or str(fields.get("publication_year") or "")
    year = int(match[0]) if (match := re.search(r"\b(\d{4})\b", year_text)) else None
    raw_doi = _cell(fields, "doi")
    pmid = normalize_pmid(_cell(fields, "pmid"))
    accession = str(fields.get("accession_number") or "")
    if not pmid and accession.isdigit():
        pmid = normalize_pmid(accession)
    urls = fields.get("urls")
    url = (urls[0] if isinstance(urls, list) and urls else _cell(fields, "url")).strip()
    if not url.lower().startswith(("http://", "https://")):
        url = ""
    keywords = fields.get("keywords")
    if not isinstance(keywords, list):
        text = _cell(fields, "keywords")
        keywords = [word.strip() for word in re.split(r"[;,]", text) if word.strip()] if text else []
    extra = {"keywords": keywords} if keywords else {}
    for name in EXTRA_COLUMNS:
        ris_name = {"issue": "number", "pages": "start_page"}.get(name, name)
        value = fields.get(name) or fields.get(ris_name)
        if isinstance(value, str) and value.strip():
            extra[name] = value.strip()
    venue = _cell(fields, "venue") or str(fields.get("secondary_title") or fields.get("alternate_title1") or "")
    arxiv_id = _arxiv_id(_cell(fields, "arxiv_id"), url, raw_doi)
    return PaperRecord(
        arxiv_id=arxiv_id.canonical if arxiv_id else "",
        version=arxiv_id.version if arxiv_id else None,
        line=line,
        title=" ".join(_cell(fields, "title").split()),
        abstract=_cell(fields, "abstract") or str(fields.get("notes_abstract") or "").strip(),
        authors=authors,
        doi=normalize_doi(raw_doi) or "",
        pmid=pmid,
        url=url[:500],
        venue=" ".join(venue.split())[:500],
        year=year if year and 1 <= year <= 9999 else None,
        extra=extra,
    )


def _arxiv_id(column: str, *texts: str):
    """The arXiv id an id column, URL or DOI (10.48550/arXiv.…) names, if any: the paper may be in the corpus."""
    candidates = [column, *(find_arxiv_id(text) for text in texts if text)]
    for candidate in candidates:
        if candidate:
            try:
                return parse_arxiv_id(candidate)
            except InvalidArxivId:
                continue
    return None


def _first_name_first(name: str) -> str:
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 2 and all(parts):
        return " ".join(f"{parts[1]} {parts[0]}".split())
    return " ".join(name.split())


def _notes(fields: dict) -> list[str]:
    notes = fields.get("notes")
    if isinstance(notes, list):
        return [note for note in notes if isinstance(note, str) and note.strip()]
    return [notes] if isinstance(notes, str) and notes.strip() else []


def _asreview_labels(fields: dict, record: PaperRecord) -> LabelledRecord:
    labelled = LabelledRecord(record)
    found = [label for label in ASREVIEW_NOTE.findall(" ".join(_notes(fields))) if label in ASREVIEW_LABELS]
    if len(set(found)) > 1:
        raise ValueError(f"the notes give {' and '.join(sorted(set(found)))}: one label a record")
    if found:
        label = ASREVIEW_LABELS[found[0]]
    else:
        column = next((name for name in ASREVIEW_LABEL_COLUMNS if name in fields), None)
        label = str(fields.get(column) or "").strip() if column else ""
        if label.endswith(".0"):  # a spreadsheet's 1.0
            label = label[:-2]
        if label not in ASREVIEW_DECISIONS:
            raise ValueError(f"{column} {label[:40]!r} is not a label ASReview writes (1, 0 or empty)")
    labelled.decision = ASREVIEW_DECISIONS[label]
    free = [" ".join(ASREVIEW_NOTE.sub("", note).split()) for note in _notes(fields)]
    labelled.notes = [note for note in free if note]
    if note := str(fields.get("asreview_note") or "").strip():
        labelled.notes.append(note)
    return labelled


def _rayyan_sections(notes: list[str]) -> tuple[dict[str, str], list[str]]:
    """A Rayyan note split into its sections (``RAYYAN-INCLUSION`` → text …) and any free text."""
    sections: dict[str, str] = {}
    free = []
    for note in notes:
        matches = list(RAYYAN_SECTION.finditer(note))
        head = note[: matches[0].start()] if matches else note
        if head.strip(" |"):
            free.append(head.strip(" |"))
        for number, match in enumerate(matches):
            end = matches[number + 1].start() if number + 1 < len(matches) else len(note)
            sections[match[1]] = (sections.get(match[1], "") + " " + note[match.end() : end]).strip()
    return sections, free


def _rayyan_names(fields: dict) -> set[str]:
    sections, _ = _rayyan_sections(_notes(fields))
    return {name for name, _ in QUOTED_PAIR.findall(sections.get("RAYYAN-INCLUSION", ""))}


def _rayyan_reviewer(name: str, rows: list[tuple[int, dict]], reviewer: str | None) -> str | None:
    """Whose decisions to take: ``reviewer`` if given, else the only reviewer the file names."""
    names = set()
    for _, fields in rows:
        names |= _rayyan_names(fields)
    if reviewer is not None:
        if names and reviewer not in names:
            raise ImportRefused([f"{name}: no decisions by {reviewer!r}; the file has {', '.join(sorted(names))}"])
        return reviewer
    if len(names) > 1:
        raise ImportRefused(
            [
                f"{name}: the file holds the decisions of {', '.join(sorted(names))}; choose whose with "
                "--reviewer NAME (and import each into their own account with --as)"
            ]
        )
    return next(iter(names), None)


def _rayyan_labels(fields: dict, record: PaperRecord, reviewer: str | None) -> LabelledRecord:
    labelled = LabelledRecord(record)
    sections, free = _rayyan_sections(_notes(fields))
    inclusion = sections.get("RAYYAN-INCLUSION", "")
    if inclusion and not (inclusion.startswith("{") and inclusion.endswith("}")):
        raise ValueError(f'RAYYAN-INCLUSION {inclusion[:60]!r} is not a list of {{"name"=>"decision"}}')
    votes = dict(QUOTED_PAIR.findall(inclusion))
    if inclusion.strip("{} ") and not votes:
        raise ValueError(f"RAYYAN-INCLUSION {inclusion[:60]!r} names no decision")
    vote = votes.get(reviewer, "") if reviewer else ""
    if vote.strip().lower() in RAYYAN_UNDECIDED:
        labelled.decision = ""
    elif vote.strip().lower() in RAYYAN_DECISIONS:
        labelled.decision = RAYYAN_DECISIONS[vote.strip().lower()]
    else:
        raise ValueError(f"RAYYAN-INCLUSION: {vote[:40]!r} is not a Rayyan decision (Included, Excluded, Maybe)")
    labelled.tags = _comma_list(sections.get("RAYYAN-LABELS", ""))
    reasons = _comma_list(sections.get("RAYYAN-EXCLUSION-REASONS", ""))
    if any(len(reason) > REASON_MAX_LENGTH for reason in reasons):
        raise ValueError(f"an exclusion reason is longer than {REASON_MAX_LENGTH} characters")
    labelled.reasons = reasons if labelled.decision == DecisionChoice.EXCLUDE else []
    for name, listed in QUOTED_LIST.findall(sections.get("USER-NOTES", "")):
        if reviewer is None or name == reviewer:
            labelled.notes += [_unescape(note) for note in QUOTED.findall(listed) if note.strip()]
    labelled.notes += free
    return labelled


def _comma_list(text: str) -> list[str]:
    items = []
    for item in text.split(","):
        if (item := " ".join(item.split())) and item not in items:
            items.append(item)
    return items


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# Writing


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
