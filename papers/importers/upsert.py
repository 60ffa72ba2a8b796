"""Writing parsed files to the database: validate everything first, then upsert in bulk, atomically."""

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from ..models import ImportBatch, Paper
from .matching import best_identity, existing_matches, merge_repeats
from .merge import merge_record
from .records import PaperRecord, ParsedFile
from .report import FileReport, ImportReport
from .skipping import skip_invalid_records
from .sources import parse_source
from .validation import check_records
from .writes import insert_papers, link_papers

LOOKUP_CHUNK = 5_000
UPDATE_BATCH = 1_000
# Below this many records a progress bar is more noise than help.
PROGRESS_MIN_RECORDS = 10_000


# on_progress(phase, done, total): "checking" counts bytes of the files read, "writing" counts records written.
ProgressCallback = Callable[[str, int, int], None]


class _DryRunRollback(Exception):
    pass


def import_files(
    sources: Iterable[tuple[str, bytes]],
    format: str = "auto",
    dry_run: bool = False,
    user=None,
    progress: bool = False,
    skip_invalid: bool = False,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import papers from ``(file name, bytes)`` sources, used by ``import_papers`` and the admin upload.

    Every file is parsed and validated before anything is written. If any file has an error, the
    report lists every problem and the database is left exactly as it was. Otherwise each file is
    upserted (matched to papers by papers/importers/matching.py) inside one transaction and recorded as an ImportBatch.
    A dry run does all of that and then rolls back, so its counts are the real would-be counts.
    ``progress`` allows a tqdm bar on stderr for large files; ``on_progress`` is told how far the import got
    (see ProgressCallback), for a background job's progress bar. ``skip_invalid`` leaves out the records that
    have a problem (listed as warnings) instead of failing their file (papers/importers/skipping.py).
    """
    sources = list(sources)
    total_bytes = sum(len(data) for _name, data in sources)
    parsed_files = []
    bytes_read = 0
    for name, data in sources:
        parsed_files.append(parse_source(name, data, format))
        bytes_read += len(data)
        if on_progress:
            on_progress("checking", bytes_read, total_bytes)
    report = ImportReport(dry_run=dry_run)
    for parsed in parsed_files:
        check_records(parsed)
        if skip_invalid:
            skip_invalid_records(parsed)
        report.errors.extend(parsed.errors)
        report.warnings.extend(parsed.warnings)
        report.notes.extend(parsed.notes)
    if report.errors:
        return report
    if user is not None and not user.is_authenticated:
        user = None
    writing = _WritingProgress(sum(len(parsed.records) for parsed in parsed_files), on_progress)
    writing(0)  # announced before the transaction opens, while every connection can still see it
    try:
        with transaction.atomic():
            for parsed in parsed_files:
                report.files.append(_upsert_file(parsed, user, progress, writing))
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        for file in report.files:
            file.batch_id = None
    return report


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


def _upsert_file(parsed: ParsedFile, user, progress: bool, writing: _WritingProgress) -> FileReport:
    merged = merge_repeats(parsed.records, merge_record)
    file = FileReport(
        name=parsed.name,
        format=parsed.format,
        sha256=parsed.sha256,
        record_count=len(parsed.records) + len(parsed.warnings),
        skipped=merged.repeats + len(parsed.warnings),
        duplicates=merged.duplicates,
    )
    batch = ImportBatch.objects.create(
        file_name=parsed.name[: ImportBatch._meta.get_field("file_name").max_length],
        format=parsed.format,
        sha256=parsed.sha256,
        imported_by=user,
    )
    records = merged.records
    # Records folded into an earlier one are done with; the rest count as they are written.
    writing(len(parsed.records) - len(records))
    now = timezone.now()
    paper_ids = []
    show_bar = progress and len(records) >= PROGRESS_MIN_RECORDS
    with tqdm(total=len(records), desc=parsed.name, unit="papers", disable=not show_bar, file=sys.stderr) as bar:
        new_records = []
        for start in range(0, len(records), LOOKUP_CHUNK):
            chunk = records[start : start + LOOKUP_CHUNK]
            new_in_chunk = _update_existing(chunk, now, file, paper_ids)
            new_records.extend(new_in_chunk)
            bar.update(len(chunk) - len(new_in_chunk))
            writing(len(chunk) - len(new_in_chunk))

        def written(count: int) -> None:
            bar.update(count)
            writing(count)

        paper_ids.extend(insert_papers(new_records, now, on_progress=written))
        file.created = len(new_records)
    link_papers(batch, paper_ids)
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


def _update_existing(chunk: list[PaperRecord], now, file: FileReport, paper_ids: list[int]) -> list[PaperRecord]:
    """Merge the chunk's records into the papers they stand for; return the records that are new papers.

    A record of a paper that another record put in the corpus (a different best id: the published DOI of an
    arXiv preprint) is counted as a duplicate; the same record again is an update or unchanged, as before.
    """
    existing = existing_matches(chunk)
    new_records = []
    updates = defaultdict(list)
    for position, record in enumerate(chunk):
        paper = existing.get(position)
        if paper is None:
            new_records.append(record)
            continue
        paper_ids.append(paper.pk)
        if best_identity(paper) != best_identity(record):
            file.duplicates += 1
        if changed := merge_record(paper, record):
            paper.updated_at = now
            updates[tuple(sorted(changed))].append(paper)
        else:
            file.unchanged += 1
    # Grouping by the set of changed fields writes only those columns (bulk_update sets every named field).
    for fields, papers in updates.items():
        Paper.objects.bulk_update(papers, [*fields, "updated_at"], batch_size=UPDATE_BATCH)
        file.updated += len(papers)
    return new_records
