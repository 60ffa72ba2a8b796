"""Filling papers' missing fields from one source, batch by batch, resumably.

The write rule is the importers' (papers/importers/merge.py merge_record), given only what the paper lacks
(fill_record): a present value is never replaced and a missing one never blanks anything. The one exception is
merge_record's own: a journal DOI replaces arXiv's DOI for the same preprint.
"""

import sys
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from tqdm import tqdm

from ..importers.merge import doi_replaces, merge_record
from ..importers.records import PaperRecord, ParsedFile
from ..importers.validation import check_records
from ..models import EnrichmentAttempt, Paper
from .client import FetchError, PoliteClient, SourceUnavailable
from .source import Source

Outcome = EnrichmentAttempt.Outcome
# The fields a person cares to see counted; merge_record also reports the ones derived from them.
SHOWN_FIELDS = ("title", "authors", "abstract", "primary_category", "venue", "year", "month", "doi", "pmid")
FILLED_ONCE = ("title", "abstract", "primary_category", "venue", "pmid")
# After this many failed requests in a row the source is given up for this run: the network or the service
# is down, and asking again and again would only be rude.
MAX_FAILED_REQUESTS_IN_A_ROW = 3
SHOWN_PAPERS_PER_PROBLEM = 5
# What reading an answer of a shape no parser expected could raise. The parsers check types as they go; this
# keeps one unforeseen shape a failed batch, reported, rather than a traceback that ends the run.
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError)


@dataclass
class EnrichmentReport:
    """What one source did in one run; ``summary_lines`` is what the command prints."""

    source: str
    dry_run: bool = False
    selected: int = 0
    skipped: int = 0
    tried: int = 0
    outcomes: Counter = field(default_factory=Counter)
    filled_fields: Counter = field(default_factory=Counter)
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stopped: str = ""
    interrupted: bool = False

    def add(self, other: "EnrichmentReport") -> None:
        """Count ``other``'s outcomes, fields, problems and notes in this report too."""
        self.outcomes.update(other.outcomes)
        self.filled_fields.update(other.filled_fields)
        self.problems.extend(other.problems)
        self.notes.extend(other.notes)

    def summary_lines(self) -> list[str]:
        would = "would be " if self.dry_run else ""
        counts = ", ".join(
            f"{self.outcomes[outcome]} {would}{label}"
            for outcome, label in (
                (Outcome.FILLED, "filled"),
                (Outcome.UNCHANGED, "unchanged"),
                (Outcome.NOT_FOUND, "not found"),
                (Outcome.FAILED, "failed"),
            )
        )
        tried = f"{self.tried} of {self.selected} paper(s) tried in {self.requests} request(s)"
        lines = [f"{self.source}: {tried}: {counts}."]
        if self.filled_fields:
            fields = ", ".join(f"{name} {count}" for name, count in self.filled_fields.most_common())
            lines.append(f"  fields {would}filled: {fields}")
        if self.skipped:
            lines.append(
                f"  {self.skipped} paper(s) skipped: {self.source} already answered for them (--retry asks again)"
            )
        if self.outcomes[Outcome.FAILED]:
            lines.append("  failed papers are tried again on the next run")
        lines.extend(f"  {note}" for note in self.notes)
        if self.stopped:
            lines.append(f"  stopped early: {self.stopped}")
        if self.interrupted:
            lines.append("  interrupted: run the same command again to continue where it stopped")
        if self.dry_run:
            lines.append("  dry run: nothing was written")
        return lines


def candidates(source: Source, papers: QuerySet | None = None, only_missing: bool = True) -> QuerySet:
    """The papers ``source`` can look up (of ``papers``, default all), those lacking a field it fills if asked."""
    queryset = (Paper.objects.all() if papers is None else papers).filter(source.can_look_up())
    if only_missing:
        queryset = queryset.filter(source.missing())
    return queryset.order_by("pk")


def answered(source: Source) -> QuerySet:
    """The ids of papers ``source`` has answered for (found or not): a run skips them unless asked to retry."""
    attempts = EnrichmentAttempt.objects.filter(source=source.name).exclude(outcome=Outcome.FAILED)
    return attempts.values("paper_id")


def enrich_papers(
    source: Source,
    client: PoliteClient,
    *,
    papers: QuerySet | None = None,
    only_missing: bool = True,
    retry: bool = False,
    limit: int | None = None,
    dry_run: bool = False,
    progress: bool = False,
    on_problem=None,
) -> EnrichmentReport:
    """Look ``papers`` (default: all) up in ``source`` and fill what they lack; return what was done.

    Papers go in id order, a request's worth at a time; each batch is written in one transaction together with
    its EnrichmentAttempt rows, so an interrupted run (Ctrl-C included) leaves whole batches only and the next
    run carries on after the last one written. A failed request is reported (``on_problem``) and the run goes
    on; a source that asks us to stop, or fails three requests in a row, ends this source's run.
    """
    report = EnrichmentReport(source=source.name, dry_run=dry_run)
    selected = candidates(source, papers, only_missing)
    if not retry:
        report.skipped = selected.filter(pk__in=answered(source)).count()
        selected = selected.exclude(pk__in=answered(source))
    available = selected.count()
    report.selected = available if limit is None else min(limit, available)
    requests_before = client.requests_made
    failed_in_a_row = 0
    last_pk = 0
    with tqdm(total=report.selected, desc=source.name, unit="papers", disable=not progress, file=sys.stderr) as bar:
        try:
            while report.tried < report.selected:
                size = min(source.batch_size, report.selected - report.tried)
                batch = list(selected.filter(pk__gt=last_pk)[:size])
                if not batch:
                    break
                last_pk = batch[-1].pk
                try:
                    answers = source.look_up(client, batch)
                    failed_in_a_row = 0
                except SourceUnavailable as error:
                    report.stopped = str(error)
                    break
                except (FetchError, *UNREADABLE) as error:
                    reason = str(error) if isinstance(error, FetchError) else f"unreadable answer ({error!r:.200})"
                    answers = {paper.pk: reason for paper in batch}
                    failed_in_a_row += 1
                    _report_problem(report, source, batch, reason, on_problem)
                # Counted apart and added once the batch is written: an interrupted write is rolled back and
                # must not be in the summary either.
                written = EnrichmentReport(source=source.name)
                _write_batch(source, batch, answers, written, dry_run, on_problem)
                report.add(written)
                report.tried += len(batch)
                bar.update(len(batch))
                if failed_in_a_row >= MAX_FAILED_REQUESTS_IN_A_ROW:
                    report.stopped = f"{failed_in_a_row} requests in a row failed; run the command again later"
                    break
        except KeyboardInterrupt:
            report.interrupted = True
    report.requests = client.requests_made - requests_before
    return report


def _write_batch(
    source: Source, batch: list[Paper], answers: dict, report: EnrichmentReport, dry_run: bool, on_problem
) -> None:
    now = timezone.now()
    with transaction.atomic():
        if dry_run:
            papers = {paper.pk: paper for paper in batch}
        else:
            # Fresh and locked: a curator's edit or an import since the batch was read is kept, not overwritten.
            papers = Paper.objects.select_for_update().in_bulk([paper.pk for paper in batch])
        attempts = []
        for pk, paper in papers.items():
            outcome, fields, changed, message = _apply(source, paper, answers.get(pk), report, on_problem)
            report.outcomes[outcome] += 1
            if changed and not dry_run:
                # One UPDATE a paper: bulk_update halved PostgreSQL's time but doubled SQLite's (measured, see
                # the README), and the wait between requests dwarfs both.
                paper.updated_at = now
                paper.save(update_fields=[*changed, "updated_at"])
            attempts.append(
                EnrichmentAttempt(
                    paper=paper,
                    source=source.name,
                    outcome=outcome,
                    filled_fields=fields,
                    message=message,
                    attempted_at=now,
                )
            )
        if dry_run:
            return
        EnrichmentAttempt.objects.bulk_create(
            attempts,
            update_conflicts=True,
            unique_fields=["paper", "source"],
            update_fields=["outcome", "filled_fields", "message", "attempted_at"],
        )


def _apply(source: Source, paper: Paper, answer, report: EnrichmentReport, on_problem):
    """Fill ``paper`` (in memory) from ``answer``; return (outcome, fields filled, columns changed, message)."""
    if answer is None:
        return Outcome.NOT_FOUND, [], [], ""
    if isinstance(answer, str):
        return Outcome.FAILED, [], [], answer
    if not answer.title.strip() and not answer.abstract.strip():
        return Outcome.NOT_FOUND, [], [], "the source's entry has no title and no abstract"
    if refusal := refused(answer, source):
        _report_problem(report, source, [paper], refusal, on_problem)
        return Outcome.FAILED, [], [], refusal
    extra_before = set(paper.extra)
    changed = merge_record(paper, fill_record(paper, answer))
    if not changed:
        return Outcome.UNCHANGED, [], [], ""
    filled = [name for name in SHOWN_FIELDS if name in changed]
    filled += sorted(set(paper.extra) - extra_before)
    report.filled_fields.update(filled)
    if note := _shared_id_note(paper, changed):
        report.notes.append(note)
    return Outcome.FILLED, filled, changed, ""


def fill_record(paper: Paper, record: PaperRecord) -> PaperRecord:
    """The part of ``record`` that fills what ``paper`` lacks, for merge_record to write.

    Blank fields of the paper take the record's values; a month only comes with its year; ``extra`` gains the
    keys it lacks. A DOI fills a blank one, or replaces arXiv's own DOI with the journal's (merge_record's rule).
    """
    fill = PaperRecord(line=record.line)
    for name in FILLED_ONCE:
        if not getattr(paper, name).strip():
            setattr(fill, name, getattr(record, name))
    if not paper.authors:
        fill.authors = record.authors
    if doi_replaces(paper.doi, record.doi):
        fill.doi = record.doi
    if paper.year is None:
        fill.year = record.year
    if paper.month is None and record.month and record.year == (paper.year or fill.year):
        fill.month = record.month
    if paper.version is None and paper.arxiv_id:
        fill.version = record.version
    fill.extra = {key: value for key, value in record.extra.items() if key not in paper.extra}
    return fill


def refused(record: PaperRecord, source: Source) -> str:
    """Why the database or the pages would refuse ``record`` (the importers' checks), or ``""``."""
    parsed = ParsedFile(name=source.name, records=[record])
    check_records(parsed)
    return "; ".join(problem.reason for problem in parsed.errors)


def _shared_id_note(paper: Paper, changed: list[str]) -> str:
    # A DOI or PubMed id just learnt may be one another paper already has: the two are probably one paper.
    for name in ("doi", "pmid"):
        if name not in changed:
            continue
        if (other := Paper.objects.filter(**{name: getattr(paper, name)}).exclude(pk=paper.pk).first()) is not None:
            label = "DOI" if name == "doi" else "PubMed id"
            return (
                f"{paper.display_id} now has {label} {getattr(paper, name)}, as {other.display_id} does: "
                "they may be one paper (manage.py find_duplicates)"
            )
    return ""


def _report_problem(report: EnrichmentReport, source: Source, papers: list[Paper], reason: str, on_problem) -> None:
    names = ", ".join(paper.display_id for paper in papers[:SHOWN_PAPERS_PER_PROBLEM])
    if len(papers) > SHOWN_PAPERS_PER_PROBLEM:
        names += f" and {len(papers) - SHOWN_PAPERS_PER_PROBLEM} more"
    problem = f"{source.name}: {names}: {reason}"
    report.problems.append(problem)
    if on_problem:
        on_problem(problem)
