"""Writing parsed files to the database: validate everything first, then upsert in bulk, atomically."""

import sys
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from ..duplicates import record_likely_duplicates
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


class _DryRunRollback(Exception):
    pass


def import_files(
    sources: Iterable[tuple[str, bytes]],
    format: str = "auto",
    dry_run: bool = False,
    user=None,
    progress: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Import papers from ``(file name, bytes)`` sources, used by ``import_papers`` and the admin upload.

    Every file is parsed and validated before anything is written. If any file has an error, the
    report lists every problem and the database is left exactly as it was. Otherwise each file is
    upserted (matched to papers by papers/importers/matching.py) inside one transaction and recorded as an ImportBatch.
    A dry run does all of that and then rolls back, so its counts are the real would-be counts.
    ``progress`` allows a tqdm bar on stderr for large files. ``skip_invalid`` leaves out the records that have
    a problem (listed as warnings) instead of failing their file (papers/importers/skipping.py).
    """
    parsed_files = [parse_source(name, data, format) for name, data in sources]
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
    try:
        with transaction.atomic():
            for parsed in parsed_files:
                report.files.append(_upsert_file(parsed, user, progress))
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        for file in report.files:
            file.batch_id = None
    return report


def upsert_parsed_file(parsed: ParsedFile, user=None) -> FileReport:
    """Upsert the records of a file parsed and checked by the caller (``import_review`` builds its records
    itself), inside the caller's transaction: the same matching, merging and ImportBatch as ``import_files``."""
    return _upsert_file(parsed, user, progress=False)


def _upsert_file(parsed: ParsedFile, user, progress: bool) -> FileReport:
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
        paper_ids.extend(insert_papers(new_records, now, on_progress=bar.update))
        file.created = len(new_records)
    link_papers(batch, paper_ids)
    record_likely_duplicates(paper_ids[len(paper_ids) - file.created :])  # the new papers, listed last
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
