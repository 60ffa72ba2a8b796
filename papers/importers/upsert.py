"""Writing files to the database: validate everything first, then upsert in bulk, atomically, in flat memory."""

import itertools
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import reset_queries, transaction
from django.utils import timezone
from tqdm import tqdm

from ..duplicates import record_likely_duplicates
from ..models import ImportBatch, Paper
from .matching import MergedRecords, best_identity, existing_matches, merge_repeats
from .merge import merge_record
from .paper_ids import PaperIdSet
from .read_ahead import read_ahead
from .records import ImportProblem, PaperRecord, ParsedFile
from .report import FileReport, ImportReport
from .skipping import skip_invalid_records
from .sources import Source, can_stream, scan_source
from .staging import Staging, stages
from .validation import check_records
from .writes import BULK_LOAD_MIN_RECORDS, insert_papers, link_papers, search_index_batched

logger = logging.getLogger(__name__)

# Records validated at a time in the first pass, and written at a time in the second: enough for the bulk
# load's staging table (writes.py) to pay, few enough that a chunk's records take tens of megabytes.
CHECK_CHUNK = 5_000
WRITE_CHUNK = BULK_LOAD_MIN_RECORDS
LOOKUP_CHUNK = 5_000
UPDATE_BATCH = 1_000
# Below this many records a progress bar is more noise than help.
PROGRESS_MIN_RECORDS = 10_000


# on_progress(phase, done, total): "checking" counts bytes of the files read, "writing" counts records written.
ProgressCallback = Callable[[str, int, int], None]


class _DryRunRollback(Exception):
    pass


@dataclass(slots=True)
class _CheckedFile:
    """What the first pass learnt of a file: its problems, how many records it holds, which lines to skip."""

    source: Source
    parsed: ParsedFile
    streams: bool = False
    record_count: int = 0
    skipped_lines: set[int] = field(default_factory=set)


def import_files(
    sources: Iterable[tuple[str, bytes | Path]],
    format: str = "auto",
    dry_run: bool = False,
    user=None,
    progress: bool = False,
    skip_invalid: bool = False,
    on_progress: ProgressCallback | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
    review=None,
) -> ImportReport:
    """Import papers from ``(file name, bytes or path)`` sources: ``import_papers``, the admin and the Import page.

    Every file is read, parsed and validated before anything is written. If any file has an error, the
    report lists every problem and the database is left exactly as it was. Otherwise each file is
    upserted (matched to papers by papers/importers/matching.py) inside one transaction and recorded as an ImportBatch.
    A dry run does all of that and then rolls back, so its counts are the real would-be counts.

    Files on disk stream (papers/importers/sources.py): the first pass keeps only the problems and a count, the
    second reads the file again and writes WRITE_CHUNK records at a time, so memory stays flat whatever the
    file's size. A chunk is written before the next is matched, so a later record finds the paper an earlier
    one created. ``progress`` allows a tqdm bar on stderr for large files; ``on_progress`` is told how far the
    import got (see ProgressCallback), for a background job's progress bar. ``skip_invalid`` leaves out the
    records that have a problem (listed as warnings) instead of failing their file (papers/importers/skipping.py).
    ``before_commit(report)`` runs inside the import's transaction once everything is written (not on a dry run),
    so that what it writes commits with the papers or not at all. The transaction opens only for the second
    pass: reading and checking the files holds no lock (on SQLite, not the database's one write lock).
    ``review``: every paper the files created or touched joins it (``report.added_to_review`` counts them).

    On PostgreSQL an import of PUBLISH_CHUNK records or more writes its new papers to a staging table and
    publishes them after the transaction commits, a chunk at a time (papers/importers/staging.py): the papers
    table never holds more than one chunk of its rows uncommitted, which would slow every reader's index scans.
    """
    sources = [Source.of(name, content) for name, content in sources]
    report = ImportReport(dry_run=dry_run)
    checked = _check_files(sources, format, skip_invalid, on_progress)
    for file in checked:
        report.errors.extend(file.parsed.errors)
        report.warnings.extend(file.parsed.warnings)
        report.notes.extend(file.parsed.notes)
    if report.errors:
        return report
    if user is not None and not user.is_authenticated:
        user = None
    total = sum(file.record_count for file in checked)
    writing = _WritingProgress(total, on_progress)
    writing(0)  # announced before the transaction opens, while every connection can still see it
    staging = None
    try:
        with transaction.atomic(), search_index_batched(total):
            if stages(total):
                staging = Staging.create(review_id=review.pk if review is not None else None)
            for file in checked:
                report.files.append(_upsert_file(file, user, progress, writing, staging))
            if dry_run:
                raise _DryRunRollback
            if review is not None:
                report.added_to_review = _add_to_review(review, report, staging)
            if before_commit:
                before_commit(report)
            if staging:
                staging.lock()
    except _DryRunRollback:
        staging = None
        for file in report.files:
            file.batch_id = None
    if staging:
        _publish(staging, report)
    return report


def _publish(staging: Staging, report: ImportReport) -> None:
    """Publish the staged papers; an error leaves the rest to ``recover_jobs`` (the import itself has committed)."""
    try:
        staging.publish()
    except Exception:
        logger.exception("Publishing the staged papers of %s stopped", staging.name)
        staging.release()
        name = ", ".join(file.name for file in report.files)
        report.notes.append(
            ImportProblem(name, None, "not every new paper could be published yet: manage.py recover_jobs does it")
        )


def _add_to_review(review, report: ImportReport, staging: Staging | None) -> int:
    """Put the papers the files created or touched into ``review``; staged papers join it as they publish."""
    batch_ids = [file.batch_id for file in report.files]
    added = review.add_papers(Paper.objects.filter(import_batches__in=batch_ids).distinct())
    # Staged papers are new to the corpus, so new to the review: each of them will be added.
    return added + (report.created if staging else 0)


def _check_files(sources: list[Source], format: str, skip_invalid: bool, on_progress) -> list[_CheckedFile]:
    """The first pass: read every file, validate every record, keep the problems and the counts only."""
    total_bytes = sum(source.size for source in sources)
    done = 0

    def read(count: int) -> None:
        nonlocal done
        done += count
        if on_progress:
            on_progress("checking", min(done, total_bytes), total_bytes)

    checked = []
    for source in sources:
        parsed = ParsedFile(name=source.name)
        file = _CheckedFile(source, parsed, streams=can_stream(source, format))
        before = done
        problem_lines: set[int] = set()
        errors_seen = 0
        records = scan_source(source, format, parsed, on_bytes=read, streams=file.streams)
        for chunk in _chunks(records, CHECK_CHUNK):
            _check_chunk(chunk, parsed)
            file.record_count += len(chunk)
            if skip_invalid:
                # A record's problems are all known once its chunk is checked: parsing reports them before
                # the record comes, validation with the chunk. --skip-invalid will leave such records out.
                problem_lines.update(_record_problem_lines(parsed, start=errors_seen))
                errors_seen = len(parsed.errors)
                file.record_count -= sum(1 for record in chunk if record.line in problem_lines)
        done = before + source.size  # a file re-read whole (not UTF-8) counts once
        read(0)
        if skip_invalid:
            file.skipped_lines = set(_record_problem_lines(parsed))
            skip_invalid_records(parsed)
        checked.append(file)
    return checked


def _check_chunk(chunk: list[PaperRecord], parsed: ParsedFile) -> None:
    # check_records validates a ParsedFile's records: hand it the chunk, and keep its errors in file order.
    part = ParsedFile(
        name=parsed.name,
        format=parsed.format,
        encoding=parsed.encoding,
        damaged_bytes=parsed.damaged_bytes,
        records=chunk,
    )
    check_records(part)
    parsed.errors.extend(part.errors)


def _record_problem_lines(parsed: ParsedFile, start: int = 0) -> Iterator[int]:
    """The lines of the problems that fail a record, not the whole file (see skipping.py)."""
    for problem in parsed.errors[start:]:
        if not problem.whole_file and problem.line is not None:
            yield problem.line


def _chunks(records: Iterator[PaperRecord], size: int) -> Iterator[list[PaperRecord]]:
    while True:
        chunk = list(itertools.islice(records, size))
        if not chunk:
            return
        yield chunk
        # Let the chunk go before the next is read, so that two are never held at once (callers del theirs).
        chunk = None


class _WritingProgress:
    """Counts records written across all files for ``on_progress``; a tqdm bar's ``update`` calls it too."""

    def __init__(self, total: int, on_progress: ProgressCallback | None):
        self.total = total
        self.done = 0
        self.on_progress = on_progress

    def __call__(self, count: int) -> None:
        self.done += count
        if self.on_progress:
            self.on_progress("writing", min(self.done, self.total), self.total)


def upsert_parsed_file(parsed: ParsedFile, user=None) -> FileReport:
    """Upsert the records of a file parsed and checked by the caller (``import_review`` builds its records
    itself), inside the caller's transaction: the same matching, merging and ImportBatch as ``import_files``."""
    count = len(parsed.records)
    with search_index_batched(count):
        return _write_records(parsed, iter(parsed.records), count, user, False, _WritingProgress(count, None), None)


def _upsert_file(
    checked: _CheckedFile, user, progress: bool, writing: _WritingProgress, staging: Staging | None
) -> FileReport:
    """The second pass over one file: read it again and upsert it chunk by chunk, in the import's transaction."""
    parsed = checked.parsed
    records = scan_source(checked.source, parsed.format, ParsedFile(name=parsed.name), streams=checked.streams)
    if checked.skipped_lines:
        records = (record for record in records if record.line not in checked.skipped_lines)
    return _write_records(parsed, records, checked.record_count, user, progress, writing, staging)


def _write_records(
    parsed: ParsedFile,
    records: Iterator[PaperRecord],
    record_count: int,
    user,
    progress: bool,
    writing,
    staging: Staging | None,
) -> FileReport:
    """Match, merge and write ``records`` chunk by chunk as one ImportBatch of ``parsed``'s file; new papers go
    to ``staging`` when there is one (their links and likely duplicates are then written as they publish)."""
    file = FileReport(
        name=parsed.name,
        format=parsed.format,
        sha256=parsed.sha256,
        record_count=record_count + len(parsed.warnings),
        skipped=len(parsed.warnings),
    )
    batch = ImportBatch.objects.create(
        file_name=parsed.name[: ImportBatch._meta.get_field("file_name").max_length],
        format=parsed.format,
        sha256=parsed.sha256,
        imported_by=user,
    )
    now = timezone.now()
    # Papers this file created or merged into, for telling a record of one of them in a later chunk apart.
    touched = PaperIdSet()
    show_bar = progress and record_count >= PROGRESS_MIN_RECORDS
    bar = tqdm(total=record_count, desc=parsed.name, unit="papers", disable=not show_bar, file=sys.stderr)
    with bar:

        def written(count: int) -> None:
            bar.update(count)
            writing(count)

        for count, merged in read_ahead(_merged_chunks(records)):
            file.skipped += merged.repeats
            file.duplicates += merged.duplicates
            # Records folded into an earlier one are done with; the rest count as they are written.
            written(count - len(merged.records))
            paper_ids: list[int] = []
            new_records = []
            for start in range(0, len(merged.records), LOOKUP_CHUNK):
                part = merged.records[start : start + LOOKUP_CHUNK]
                new_in_part = _update_existing(part, now, file, paper_ids, touched, parsed.sha256, staging)
                new_records.extend(new_in_part)
                written(len(part) - len(new_in_part))
            if staging:
                new_ids = staging.add(new_records, now, on_progress=written)
                paper_ids.extend(new_ids)
                staging.link(batch.pk, [paper_id for paper_id in paper_ids if staging.holds(paper_id)])
                link_papers(batch, [paper_id for paper_id in paper_ids if not staging.holds(paper_id)])
            else:
                new_ids = insert_papers(new_records, now, on_progress=written)
                paper_ids.extend(new_ids)
                link_papers(batch, paper_ids)
                record_likely_duplicates(new_ids)
            file.created += len(new_records)
            touched.update(paper_ids)
            # With DEBUG on, every query is logged until the request ends; an import is no request.
            reset_queries()
            del merged, new_records, paper_ids
    batch.record_count = file.record_count
    batch.created_count = file.created
    batch.updated_count = file.updated
    batch.unchanged_count = file.unchanged
    batch.skipped_count = file.skipped
    batch.duplicate_count = file.duplicates
    batch.save(
        update_fields=[
            "record_count",
            "created_count",
            "updated_count",
            "unchanged_count",
            "skipped_count",
            "duplicate_count",
        ]
    )
    file.batch_id = batch.pk
    return file


def _merged_chunks(records: Iterator[PaperRecord]) -> Iterator[tuple[int, MergedRecords]]:
    """WRITE_CHUNK records at a time, each chunk's repeats folded together (no database: read_ahead runs it)."""
    for chunk in _chunks(records, WRITE_CHUNK):
        yield len(chunk), merge_repeats(chunk, merge_record)
        chunk = None  # as _chunks does: let it go before the next is read


def _update_existing(
    chunk: list[PaperRecord],
    now,
    file: FileReport,
    paper_ids: list[int],
    touched: PaperIdSet,
    sha256: str,
    staging: Staging | None = None,
) -> list[PaperRecord]:
    """Merge the chunk's records into the papers they stand for; return the records that are new papers.

    A record of a paper the corpus already had from another file (another database's record of it, the published
    version of a preprint) is counted as a duplicate, for the PRISMA flow; a paper an earlier import of this very
    file (the same bytes) brought is the same record again, an update or unchanged, as before. A record of a paper
    an earlier chunk of this file ``touched`` is counted as merge_repeats counts a repeat within a chunk: skipped
    when it is the same record again, a duplicate when another record of the paper.
    """
    existing = existing_matches(chunk, staging)
    links = Paper.import_batches.through.objects.filter(importbatch__sha256=sha256)
    from_this_file = set(
        links.filter(paper_id__in=[paper.pk for paper in existing.values()]).values_list("paper_id", flat=True)
    )
    new_records = []
    updates = defaultdict(list)
    for position, record in enumerate(chunk):
        paper = existing.get(position)
        if paper is None:
            new_records.append(record)
            continue
        paper_ids.append(paper.pk)
        repeat = paper.pk in touched
        if repeat:
            if best_identity(paper) != best_identity(record):
                file.duplicates += 1
            else:
                file.skipped += 1
        elif paper.pk not in from_this_file:
            file.duplicates += 1
        if changed := merge_record(paper, record):
            paper.updated_at = now
            updates[tuple(sorted(changed))].append((paper, repeat))
        elif not repeat:
            file.unchanged += 1
    # Grouping by the set of changed fields writes only those columns (bulk_update sets every named field).
    restaged = []
    for fields, changed_papers in updates.items():
        papers = [paper for paper, _repeat in changed_papers if not (staging and staging.holds(paper.pk))]
        restaged.extend(paper for paper, _repeat in changed_papers if staging and staging.holds(paper.pk))
        Paper.objects.bulk_update(papers, [*fields, "updated_at"], batch_size=UPDATE_BATCH)
        file.updated += sum(1 for _paper, repeat in changed_papers if not repeat)
    if restaged:
        staging.replace(restaged, now)
    return new_records
