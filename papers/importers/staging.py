"""Keeping a large import's new papers out of the papers table until they can be published a chunk at a time.

PostgreSQL only. Rows a transaction has written but not committed are invisible to other sessions, yet their
index scans step over every one of them: the newest-first paper list, a search and a review's list slowed to
5-12 s in the last minutes of a million-record import into an empty corpus. So an import of PUBLISH_CHUNK
records or more writes its new papers to a staging table of its own (``papers_publish_<hex>``, with a
``_links`` table for their import batches), matches later records against it as against the papers, and commits
it with everything else (updates of existing papers, batches, the job's report). Then it *publishes*: it moves
PUBLISH_CHUNK papers at a time into the papers table, each chunk in a transaction of its own with its links, its
place in the import's review and its likely duplicates, and drops the staging table when it is empty.

Faults: killed while staging, the transaction rolls back and the staging table (created in it) goes with it.
Killed while publishing, the committed staging table is the work left: ``publish_abandoned`` (``manage.py
recover_jobs``, which ``make run`` runs) finishes it. A publishing process holds a session advisory lock on
its table, released when its connection drops, so recovery never publishes a table its importer still owns.
"""

import json
import uuid
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from ..models import Paper
from .paper_ids import PaperIdSet
from .records import PaperRecord
from .writes import COPIED_COLUMNS, allocate_ids, copy_with_documents, search_index_batched

PUBLISH_CHUNK = 20_000
PREFIX = "papers_publish_"
TABLE_PATTERN = f"^{PREFIX}[0-9a-f]{{32}}$"
# The columns a staged paper is read back with: all but its search document, which publishing carries over.
READ_COLUMNS = ("id", *COPIED_COLUMNS[1:])


def stages(record_count: int) -> bool:
    """Whether an import of ``record_count`` records writes through a staging table (smaller ones write in place:
    they never leave more uncommitted rows in the papers table than one published chunk)."""
    return connection.vendor == "postgresql" and record_count >= PUBLISH_CHUNK


class Staging:
    """One import's staging table, from its creation inside the import's transaction to its last published chunk."""

    def __init__(self, name: str):
        self.name = name
        self.links = f"{name}_links"
        self.ids = PaperIdSet()

    @classmethod
    def create(cls, review_id: int | None = None) -> "Staging":
        """Create the tables inside the caller's transaction (so a rollback removes them): the papers' columns,
        their identity lookups' indexes, and the review the papers join once published (in the table's comment)."""
        staging = cls(f"{PREFIX}{uuid.uuid4().hex}")
        papers = connection.ops.quote_name(Paper._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {staging.name} (LIKE {papers} INCLUDING DEFAULTS, PRIMARY KEY (id))")
            for column in ("arxiv_id", "doi", "pmid", "title_key"):
                cursor.execute(f"CREATE INDEX ON {staging.name} ({column}) WHERE {column} <> ''")
            cursor.execute(
                f"CREATE TABLE {staging.links} "
                "(paper_id bigint, importbatch_id bigint, PRIMARY KEY (paper_id, importbatch_id))"
            )
            cursor.execute(f"COMMENT ON TABLE {staging.name} IS %s", [json.dumps({"review": review_id})])
        return staging

    def holds(self, paper_id: int) -> bool:
        return paper_id in self.ids

    def add(self, records: list[PaperRecord], now, on_progress=None) -> list[int]:
        """Stage new papers for ``records`` (none may exist yet); their ids, drawn from the papers' sequence."""
        if not records:
            return []
        ids = allocate_ids(len(records))
        copy_with_documents(self.name, records, ids, now, on_progress)
        self.ids.update(ids)
        return ids

    def replace(self, papers: list[Paper], now) -> None:
        """Write staged papers a later record merged into back to the staging table, search documents anew."""
        ids = [paper.pk for paper in papers]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.name} WHERE id = ANY(%s)", [ids])  # noqa: S608
        copy_with_documents(self.name, papers, ids, now)

    def link(self, batch_id: int, paper_ids: Iterable[int]) -> None:
        """Record that the batch created or touched these staged papers; the links are published with them."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.links} (paper_id, importbatch_id) "  # noqa: S608
                "SELECT unnest(%s::bigint[]), %s ON CONFLICT DO NOTHING",
                [list(paper_ids), batch_id],
            )

    def rows(self, queryset) -> Iterator[Paper]:
        """``queryset`` (of papers) run against the staging table instead: the same filters, columns and order."""
        sql, params = queryset.query.sql_with_params()
        papers = connection.ops.quote_name(Paper._meta.db_table)
        return iter(Paper.objects.raw(sql.replace(papers, self.name), params))

    def in_bulk(self, ids: Iterable[int]) -> dict[int, Paper]:
        """Whole staged papers (all but the search document) by id."""
        columns = ", ".join(READ_COLUMNS)
        query = f"SELECT {columns} FROM {self.name} WHERE id = ANY(%s)"  # noqa: S608
        return {paper.pk: paper for paper in Paper.objects.raw(query, [list(ids)])}

    def lock(self) -> None:
        """Claim the table for this session until it is published (see the module's docstring)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [self.name])

    def release(self) -> None:
        """Give the table up to recovery (after an error while publishing; a killed session gives it up itself)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [self.name])

    def publish(self) -> int:
        """Move the staged papers into the papers table PUBLISH_CHUNK at a time, in id order, each chunk committed
        with its links, review and likely duplicates; then drop the tables. Returns how many papers were published.

        Published rows stay in the staging table until it is dropped (deleting them would only leave dead rows to
        step over): a publish taken over by recovery starts after the last staged id the papers table holds.
        """
        published = 0
        after = self._published_up_to()
        while chunk := self._publish_chunk(after):
            count, after = chunk
            published += count
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.links}, {self.name}")
        self.release()
        return published

    def _published_up_to(self) -> int:
        papers = connection.ops.quote_name(Paper._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT max(s.id) FROM {self.name} s JOIN {papers} p ON p.id = s.id")  # noqa: S608
            return cursor.fetchone()[0] or 0

    def _publish_chunk(self, after: int) -> tuple[int, int] | None:
        """Publish the next PUBLISH_CHUNK staged papers with ids above ``after``: (how many, the last id), or None."""
        from reviews.models import Review

        from ..duplicates import record_likely_duplicates

        papers = connection.ops.quote_name(Paper._meta.db_table)
        links = connection.ops.quote_name(Paper.import_batches.through._meta.db_table)
        columns = ", ".join(COPIED_COLUMNS)
        with transaction.atomic(), search_index_batched(PUBLISH_CHUNK):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id FROM {self.name} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                    [after, PUBLISH_CHUNK],
                )
                ids = [row[0] for row in cursor.fetchall()]
                if not ids:
                    return None
                span = [after, ids[-1]]
                cursor.execute(
                    f"INSERT INTO {papers} ({columns}, search_document) "  # noqa: S608
                    f"SELECT {columns}, search_document FROM {self.name} WHERE id > %s AND id <= %s ORDER BY id",
                    span,
                )
                cursor.execute(
                    f"INSERT INTO {links} (paper_id, importbatch_id) "  # noqa: S608
                    f"SELECT paper_id, importbatch_id FROM {self.links} WHERE paper_id > %s AND paper_id <= %s "
                    "ON CONFLICT DO NOTHING",
                    span,
                )
                cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [self.name])
                review_id = json.loads(cursor.fetchone()[0] or "{}").get("review")
            if review_id and (review := Review.objects.filter(pk=review_id).first()):
                review.add_papers(ids)
            record_likely_duplicates(ids)
        return len(ids), ids[-1]


def publish_abandoned() -> int:
    """Finish the publishing of imports whose process died after staging (``manage.py recover_jobs``); how many.

    A staging table whose advisory lock this session can take has no live owner. Its papers are published as the
    import would have; an import killed before its staging committed left no table (the rollback removed it).
    """
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename ~ %s ORDER BY tablename", [TABLE_PATTERN])
        names = [row[0] for row in cursor.fetchall()]
    finished = 0
    for name in names:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
            if not cursor.fetchone()[0]:
                continue  # its importer is alive and publishing
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if not cursor.fetchone()[0]:  # published and dropped since it was listed
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
                continue
        Staging(name).publish()
        finished += 1
    return finished
