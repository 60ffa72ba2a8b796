"""While a large import writes, the site keeps answering: other connections list, search and annotate papers.

A bulk load once dropped the search index inside the import's transaction, which locked the papers table
against every read until the import committed (a 200,000-record import kept a 25-row list waiting 72 s).
Here another connection does what pages do while the import's transaction is open and fully written, each
under a lock timeout: a wait on the import's locks fails the test instead of hanging it.
"""

import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections, transaction

from papers.importers import import_files
from papers.importers.staging import Staging
from papers.models import Paper
from reviews import annotating
from reviews.models import ScreeningDecision
from tests.factories import make_paper, make_review, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="SQLite has one write lock for the whole database: an import holds it while it writes (README)",
    ),
]

SEED = "fixtures/000_17fd64235e3a3294.txt"
LOCK_TIMEOUT = "2s"


def in_another_connection(work):
    """Run ``work()`` in a thread of its own (so on a connection of its own); return its result or raise its error."""
    outcome = {}

    def run():
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            outcome["result"] = work()
        except Exception as error:  # noqa: BLE001 - raised again in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def test_a_bulk_load_leaves_papers_readable_searchable_and_annotatable_until_it_commits(monkeypatch):
    # The seed's 100 records take the bulk-load path (staging table, batched search index) as 20,000 would.
    monkeypatch.setattr("papers.importers.writes.BULK_LOAD_MIN_RECORDS", 50)
    monkeypatch.setattr("papers.importers.upsert.WRITE_CHUNK", 60)
    bob = make_user("bob")
    paper = make_paper("2101.00001", title="Instruction tuning before the import")
    review = make_review("screening", papers=[paper], members={bob: "reviewer"})
    membership = review.memberships.get(user=bob)
    seen_during = {}

    def while_written(report):
        seen_during["list"] = in_another_connection(lambda: list(Paper.objects.order_by("-pk")[:25]))
        seen_during["search"] = in_another_connection(lambda: list(Paper.objects.search("instruction tuning")))
        in_another_connection(lambda: annotating.decide(membership, paper.pk, "include"))

    report = import_files([("seed.txt", Path(SEED).read_bytes())], before_commit=while_written)

    assert report.ok and report.files[0].created == 100
    # The other connection saw the corpus as it was before the import, without waiting for it.
    assert [p.pk for p in seen_during["list"]] == [paper.pk]
    assert [p.pk for p in seen_during["search"]] == [paper.pk]
    assert ScreeningDecision.objects.get(user=bob, paper=paper).decision == "include"
    assert Paper.objects.search('"state-space models"').filter(arxiv_id="2212.10544").exists()


def test_a_large_import_leaves_no_more_than_one_chunk_of_uncommitted_rows_in_the_papers_table(monkeypatch):
    # Rows written and not yet committed are invisible to other sessions, but their index scans step over each
    # of them: a million of them slowed the newest-first list to 12 s. The seed's 100 records stand for a large
    # import: staged (PUBLISH_CHUNK 30), then published 30 at a time. A transaction sees its own rows, so its
    # count of papers is what it holds in the table uncommitted.
    monkeypatch.setattr("papers.importers.upsert.WRITE_CHUNK", 40)
    monkeypatch.setattr("papers.importers.staging.PUBLISH_CHUNK", 30)
    in_flight = {"publishing": []}
    publish_chunk = Staging._publish_chunk

    def publish_and_count(self, after):
        with transaction.atomic():
            before = Paper.objects.count()
            published = publish_chunk(self, after)
            in_flight["publishing"].append(Paper.objects.count() - before)
        return published

    def while_staged(report):
        in_flight["staging"] = Paper.objects.count()

    monkeypatch.setattr(Staging, "_publish_chunk", publish_and_count)

    report = import_files([("seed.txt", Path(SEED).read_bytes())], before_commit=while_staged)

    assert report.files[0].created == 100 == Paper.objects.count()
    assert in_flight == {"staging": 0, "publishing": [30, 30, 30, 10, 0]}
