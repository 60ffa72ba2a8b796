"""Inserting new papers and linking papers to their import batch, as fast as the database allows.

On PostgreSQL new papers are streamed with COPY, which roughly halves a large import next to multi-row
INSERTs; a bulk load goes through a staging table so its search documents are computed in parallel. Other
databases use bulk_create.
"""

import json
import uuid

from django.db import connection

from ..arxiv_ids import ArxivId
from ..models import ImportBatch, Paper
from ..search import SEARCH_DOCUMENT_SQL, SEARCH_INDEX
from .records import PaperRecord

CREATE_BATCH = 2_000
BULK_LOAD_MIN_RECORDS = 20_000
# Planner costs that keep PostgreSQL from spreading a statement over parallel workers; zero for one statement.
PARALLEL_SETTINGS = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size")
LINK_CHUNK = 5_000
COPIED_COLUMNS = (
    "arxiv_id",
    "version",
    "abstract",
    "title",
    "authors",
    "primary_category",
    "doi",
    "url",
    "submitted_month",
    "created_at",
    "updated_at",
)


def insert_papers(records: list[PaperRecord], now, on_progress=None) -> None:
    """Create a Paper for each record (none may exist yet), with ``submitted_month`` read from the id."""
    if connection.vendor == "postgresql":
        _copy_papers(records, now, on_progress)
        return
    for start in range(0, len(records), CREATE_BATCH):
        chunk = records[start : start + CREATE_BATCH]
        # bulk_create does not call Paper.save(), which is where submitted_month is usually filled in.
        Paper.objects.bulk_create(
            [
                Paper(
                    arxiv_id=record.arxiv_id,
                    version=record.version,
                    abstract=record.abstract,
                    title=record.title,
                    authors=record.authors,
                    primary_category=record.primary_category,
                    doi=record.doi,
                    url=record.url,
                    submitted_month=ArxivId(record.arxiv_id, None).submitted_month,
                )
                for record in chunk
            ]
        )
        if on_progress:
            on_progress(len(chunk))


def _copy_papers(records: list[PaperRecord], now, on_progress) -> None:
    table = connection.ops.quote_name(Paper._meta.db_table)
    if len(records) < BULK_LOAD_MIN_RECORDS:
        # The trigger computes each search document as the row arrives.
        _copy_rows(table, records, now, on_progress)
        return
    # Computing the search documents (~130 µs each) is most of a bulk load's time. In a staging table,
    # one CREATE TABLE AS computes them on every core; the papers then arrive with documents in hand.
    staging = f"papers_import_{uuid.uuid4().hex}"
    documents = f"{staging}_documents"
    copied = ", ".join(COPIED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {staging} (LIKE {table} INCLUDING DEFAULTS)")
        # Staged rows draw their ids from the papers' own sequence, so they keep them when they move.
        cursor.execute(
            f"ALTER TABLE {staging} ALTER COLUMN id SET DEFAULT nextval(pg_get_serial_sequence(%s, 'id')::regclass)",
            [Paper._meta.db_table],
        )
    _copy_rows(staging, records, now, on_progress)
    # Updating the GIN index row by row costs more than building it afresh once a load at least doubles
    # the table. Dropping it locks the table until the import commits, which only bulk loads accept.
    rebuild_search_index = len(records) >= Paper.objects.count()
    with connection.cursor() as cursor:
        for setting in PARALLEL_SETTINGS:
            cursor.execute(f"SET LOCAL {setting} = 0")
        document = SEARCH_DOCUMENT_SQL.format(title="title", abstract="abstract")
        cursor.execute(f"CREATE UNLOGGED TABLE {documents} AS SELECT id, {document} AS document FROM {staging}")  # noqa: S608
        for setting in PARALLEL_SETTINGS:
            cursor.execute(f"SET LOCAL {setting} TO DEFAULT")
        if rebuild_search_index:
            cursor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
        cursor.execute(
            f"INSERT INTO {table} (id, {copied}, search_document) "  # noqa: S608
            f"SELECT s.id, {', '.join(f's.{column}' for column in COPIED_COLUMNS)}, d.document "
            f"FROM {staging} s JOIN {documents} d ON d.id = s.id"
        )
        cursor.execute(f"DROP TABLE {documents}, {staging}")
        if rebuild_search_index:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(f"CREATE INDEX {SEARCH_INDEX} ON {table} USING gin (search_document)")


def _copy_rows(table: str, records: list[PaperRecord], now, on_progress) -> None:
    columns = ", ".join(COPIED_COLUMNS)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
        for count, record in enumerate(records, 1):
            copy.write_row(
                (
                    record.arxiv_id,
                    record.version,
                    record.abstract,
                    record.title,
                    json.dumps(record.authors),
                    record.primary_category,
                    record.doi,
                    record.url,
                    ArxivId(record.arxiv_id, None).submitted_month,
                    now,
                    now,
                )
            )
            if on_progress and count % CREATE_BATCH == 0:
                on_progress(CREATE_BATCH)
    if on_progress and len(records) % CREATE_BATCH:
        on_progress(len(records) % CREATE_BATCH)


def link_papers(batch: ImportBatch, arxiv_ids: list[str]) -> None:
    """Record that ``batch`` created or touched each paper in ``arxiv_ids`` (canonical ids)."""
    link = Paper.import_batches.through
    for start in range(0, len(arxiv_ids), LINK_CHUNK):
        chunk = arxiv_ids[start : start + LINK_CHUNK]
        if connection.vendor == "postgresql":
            # One statement per chunk, with no Paper ids round-tripping through Python.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {link._meta.db_table} (paper_id, importbatch_id) "  # noqa: S608
                    f"SELECT id, %s FROM {Paper._meta.db_table} WHERE arxiv_id = ANY(%s) ON CONFLICT DO NOTHING",
                    [batch.pk, chunk],
                )
            continue
        paper_ids = Paper.objects.filter(arxiv_id__in=chunk).values_list("id", flat=True)
        link.objects.bulk_create(
            [link(paper_id=paper_id, importbatch_id=batch.pk) for paper_id in paper_ids], ignore_conflicts=True
        )
