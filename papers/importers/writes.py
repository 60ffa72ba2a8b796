"""Inserting new papers and linking papers to their import batch, as fast as the database allows.

On PostgreSQL new papers are streamed with COPY, which roughly halves a large import next to multi-row
INSERTs; a bulk load goes through a staging table so its search documents are computed in parallel. Other
databases use bulk_create.
"""

import json
import uuid
from contextlib import contextmanager

from django.db import connection

from ..models import ImportBatch, Paper
from ..models.paper import month_of
from ..search import SEARCH_DOCUMENT_SQL, SEARCH_INDEX
from .records import PaperRecord

CREATE_BATCH = 2_000
BULK_LOAD_MIN_RECORDS = 20_000
# Planner costs that keep PostgreSQL from spreading a statement over parallel workers; zero for one statement.
PARALLEL_SETTINGS = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size")
LINK_CHUNK = 5_000
# The search index's pending list during a bulk load (search_index_batched).
PENDING_LIST_LIMIT = "64MB"
COPIED_COLUMNS = (
    "id",
    "arxiv_id",
    "version",
    "abstract",
    "title",
    "authors",
    "primary_category",
    "doi",
    "url",
    "pmid",
    "venue",
    "year",
    "month",
    "extra",
    "title_key",
    "submitted_month",
    "created_at",
    "updated_at",
)


def insert_papers(records: list[PaperRecord], now, on_progress=None) -> list[int]:
    """Create a Paper for each record (none may exist yet) and return their ids, in the records' order."""
    if connection.vendor == "postgresql":
        return _copy_papers(records, now, on_progress)
    ids = []
    for start in range(0, len(records), CREATE_BATCH):
        chunk = records[start : start + CREATE_BATCH]
        # bulk_create does not call Paper.save(), which is where submitted_month and title_key are filled in.
        created = Paper.objects.bulk_create(
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
                    pmid=record.pmid,
                    venue=record.venue,
                    year=record.year,
                    month=record.month,
                    extra=record.extra,
                    title_key=record.title_key,
                    submitted_month=month_of(record.arxiv_id, record.year, record.month),
                )
                for record in chunk
            ]
        )
        ids.extend(paper.pk for paper in created)
        if on_progress:
            on_progress(len(chunk))
    return ids


def allocate_ids(count: int) -> list[int]:
    """Ids drawn from the papers' own sequence, so COPY can write them and the import knows them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Paper._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def search_index_batched(expected_records: int):
    """Let a load of ``expected_records`` hand the search index its entries in large batches (inside the caller's
    transaction); a small load changes nothing.

    GIN keeps new entries in a pending list and merges the list into the index once it outgrows
    ``gin_pending_list_limit``: merging a few large lists costs much less than many small ones (measured on a
    100,000-record import, the papers' INSERT took 13.9 s at 64 MB against 20.3 s at the default 4 MB). The
    list is merged at the end so that searches after the import do not read through it. The index is never
    dropped for a load: DROP INDEX locks the papers table against every read until the import commits, which
    froze every list, search and annotation for the length of a large import.
    """
    batched = connection.vendor == "postgresql" and expected_records >= BULK_LOAD_MIN_RECORDS
    if batched:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL gin_pending_list_limit = '{PENDING_LIST_LIMIT}'")
    yield
    if batched:
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])


def _copy_papers(records: list[PaperRecord], now, on_progress) -> list[int]:
    table = connection.ops.quote_name(Paper._meta.db_table)
    ids = allocate_ids(len(records)) if records else []
    if len(records) < BULK_LOAD_MIN_RECORDS:
        # The trigger computes each search document as the row arrives.
        _copy_rows(table, records, ids, now, on_progress)
        return ids
    copy_with_documents(table, records, ids, now, on_progress)
    return ids


def copy_with_documents(table: str, items: list, ids: list[int], now, on_progress=None) -> None:
    """COPY ``items`` (records, or papers read back from staging) into ``table`` under ``ids``, with their search
    documents computed on every core; the papers table and an import's staging table (staging.py) both take them.

    Computing the search documents (~130 µs each) is most of a bulk load's time. In a scratch table, one
    CREATE TABLE AS computes them in parallel; the rows then arrive with documents in hand.
    """
    scratch = f"papers_import_{uuid.uuid4().hex}"
    documents = f"{scratch}_documents"
    copied = ", ".join(COPIED_COLUMNS)
    papers = connection.ops.quote_name(Paper._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {scratch} (LIKE {papers} INCLUDING DEFAULTS)")
    _copy_rows(scratch, items, ids, now, on_progress)
    with connection.cursor() as cursor:
        for setting in PARALLEL_SETTINGS:
            cursor.execute(f"SET LOCAL {setting} = 0")
        document = SEARCH_DOCUMENT_SQL.format(title="title", abstract="abstract")
        cursor.execute(f"CREATE UNLOGGED TABLE {documents} AS SELECT id, {document} AS document FROM {scratch}")  # noqa: S608
        for setting in PARALLEL_SETTINGS:
            cursor.execute(f"SET LOCAL {setting} TO DEFAULT")
        cursor.execute(
            f"INSERT INTO {table} ({copied}, search_document) "  # noqa: S608
            f"SELECT {', '.join(f's.{column}' for column in COPIED_COLUMNS)}, d.document "
            f"FROM {scratch} s JOIN {documents} d ON d.id = s.id"
        )
        cursor.execute(f"DROP TABLE {documents}, {scratch}")


def _copy_rows(table: str, records: list[PaperRecord], ids: list[int], now, on_progress) -> None:
    columns = ", ".join(COPIED_COLUMNS)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
        for count, (paper_id, record) in enumerate(zip(ids, records, strict=True), 1):
            copy.write_row(
                (
                    paper_id,
                    record.arxiv_id,
                    record.version,
                    record.abstract,
                    record.title,
                    json.dumps(record.authors),
                    record.primary_category,
                    record.doi,
                    record.url,
                    record.pmid,
                    record.venue,
                    record.year,
                    record.month,
                    json.dumps(record.extra),
                    record.title_key,
                    month_of(record.arxiv_id, record.year, record.month),
                    now,
                    now,
                )
            )
            if on_progress and count % CREATE_BATCH == 0:
                on_progress(CREATE_BATCH)
    if on_progress and len(records) % CREATE_BATCH:
        on_progress(len(records) % CREATE_BATCH)


def link_papers(batch: ImportBatch, paper_ids: list[int]) -> None:
    """Record that ``batch`` created or touched each paper in ``paper_ids``."""
    link = Paper.import_batches.through
    for start in range(0, len(paper_ids), LINK_CHUNK):
        chunk = paper_ids[start : start + LINK_CHUNK]
        if connection.vendor == "postgresql":
            # One statement per chunk, without a model instance per link.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {link._meta.db_table} (paper_id, importbatch_id) "  # noqa: S608
                    "SELECT unnest(%s::bigint[]), %s ON CONFLICT DO NOTHING",
                    [chunk, batch.pk],
                )
            continue
        link.objects.bulk_create(
            [link(paper_id=paper_id, importbatch_id=batch.pk) for paper_id in chunk], ignore_conflicts=True
        )
