"""A large import on PostgreSQL stages its new papers, then publishes them a chunk at a time (staging.py).

The papers table never holds the import's new papers uncommitted by the thousand (other sessions' index scans
would step over every one); what it publishes is what writing in place would have written; a publish its
import did not finish is finished by ``recover_jobs``.
"""

import json
import threading

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import DatabaseError, connection, connections

from papers.importers import import_files
from papers.importers import staging as staging_module
from papers.importers import upsert as upsert_module
from papers.importers.staging import TABLE_PATTERN, Staging, publish_abandoned
from papers.models import DuplicateCandidate, ImportBatch, Paper
from tests.factories import make_paper, make_review, make_user
from tests.test_import_streaming import ROWS, jsonl

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="staging is PostgreSQL's: SQLite has no concurrent readers for uncommitted rows to slow",
    ),
]

# ROWS make 5 papers: in chunks of 2 records, a later chunk merges into a paper an earlier one staged.
PAPERS = 5


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(upsert_module, "WRITE_CHUNK", 2)
    monkeypatch.setattr(staging_module, "PUBLISH_CHUNK", 2)


def import_rows(tmp_path, rows=ROWS, **options):
    path = tmp_path / "papers.jsonl"
    path.write_bytes(jsonl(*rows))
    return import_files([("papers.jsonl", path)], **options)


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename ~ %s", [TABLE_PATTERN])
        return [row[0] for row in cursor.fetchall()]


def visible_papers() -> int:
    """The papers another session sees."""
    counted = {}

    def count():
        counted["papers"] = Paper.objects.count()
        connections.close_all()

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()
    return counted["papers"]


def corpus() -> list[tuple]:
    """Every paper as a reader sees it (not its id), its search document and its batches' file names."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_document::text FROM papers_paper")
        documents = dict(cursor.fetchall())
    return sorted(
        (
            paper.arxiv_id,
            paper.doi,
            paper.title,
            paper.abstract,
            paper.version,
            paper.venue,
            json.dumps(paper.authors),
            paper.title_key,
            str(paper.submitted_month),
            documents[paper.pk],
            tuple(batch.file_name for batch in paper.import_batches.all()),
        )
        for paper in Paper.objects.all()
    )


def counts(report) -> tuple:
    return (report.created, report.updated, report.unchanged, report.skipped, report.duplicates)


def test_a_staged_import_writes_the_papers_links_and_counts_that_writing_in_place_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(upsert_module, "WRITE_CHUNK", 2)
    in_place = import_rows(tmp_path)
    written_in_place = corpus()
    Paper.objects.all().delete()
    ImportBatch.objects.all().delete()
    monkeypatch.setattr(staging_module, "PUBLISH_CHUNK", 2)

    staged = import_rows(tmp_path)

    assert counts(staged) == counts(in_place) == (PAPERS, 0, 0, 1, 1)
    assert corpus() == written_in_place
    assert Paper.objects.get(arxiv_id="2401.00001").abstract == "Second version."
    assert Paper.objects.search("second version").filter(arxiv_id="2401.00001").exists()
    assert staging_tables() == []


def test_the_papers_table_holds_none_of_the_new_papers_until_the_import_publishes(tmp_path, small_chunks):
    seen = {}

    def before_commit(report):
        # The import's own transaction: everything is written, and the papers table has none of it.
        seen["papers"] = Paper.objects.count()
        seen["staging"] = staging_tables()

    report = import_rows(tmp_path, before_commit=before_commit)

    assert report.created == PAPERS
    assert seen["papers"] == 0
    assert len(seen["staging"]) == 1
    assert Paper.objects.count() == PAPERS


def test_an_update_of_an_existing_paper_commits_with_the_staging(tmp_path, small_chunks):
    make_paper("2401.00002", title="Dense retrieval", abstract="")

    report = import_rows(tmp_path)

    assert (report.created, report.updated) == (PAPERS - 1, 1)
    assert Paper.objects.get(arxiv_id="2401.00002").abstract == "Retrieval."
    assert ImportBatch.objects.get().papers.count() == PAPERS


def test_publishing_commits_a_chunk_at_a_time(tmp_path, small_chunks, monkeypatch):
    seen = []
    publish_chunk = Staging._publish_chunk

    def publish_and_look(self, after):
        published = publish_chunk(self, after)
        seen.append(visible_papers())
        return published

    monkeypatch.setattr(Staging, "_publish_chunk", publish_and_look)

    import_rows(tmp_path)

    assert seen == [2, 4, 5, 5]


def test_a_review_gets_the_staged_papers_as_they_publish(tmp_path, small_chunks):
    olga = make_user("olga")
    already = make_paper("2401.00002", title="Dense retrieval", abstract="Retrieval.")
    review = make_review("mine", members={olga: "owner"})

    report = import_rows(tmp_path, review=review)

    assert report.added_to_review == PAPERS == review.review_papers.count()
    assert review.review_papers.filter(paper=already).exists()


def test_likely_duplicates_are_listed_as_the_papers_publish(tmp_path, small_chunks):
    rows = [
        {"title": "Attention is all you need for dense retrieval", "abstract": "A.", "year": 2020},
        {"title": "Unrelated work on graphs", "abstract": "C.", "year": 2020},
        {"title": "Attention is all you need for dense retreival", "abstract": "B.", "year": 2020},
    ]

    import_rows(tmp_path, rows=rows)

    pair = DuplicateCandidate.objects.get()
    assert {pair.paper_a.abstract, pair.paper_b.abstract} == {"A.", "B."}


def test_a_dry_run_stages_and_leaves_nothing(tmp_path, small_chunks):
    report = import_rows(tmp_path, dry_run=True)

    assert report.created == PAPERS
    assert Paper.objects.count() == 0 and ImportBatch.objects.count() == 0
    assert staging_tables() == []


def test_recover_jobs_finishes_a_publish_its_import_did_not(tmp_path, small_chunks, monkeypatch, capsys):
    publish_chunk = Staging._publish_chunk
    calls = []

    def die_after_one_chunk(self, after):
        if calls:
            raise SystemExit("killed")
        calls.append(1)
        return publish_chunk(self, after)

    monkeypatch.setattr(Staging, "_publish_chunk", die_after_one_chunk)
    with pytest.raises(SystemExit):
        import_rows(tmp_path)
    connection.close()  # as the killed process's connection drops, its lock on the staging table goes
    monkeypatch.setattr(Staging, "_publish_chunk", publish_chunk)
    batch = ImportBatch.objects.get()
    assert (batch.created_count, Paper.objects.count()) == (PAPERS, 2)
    assert len(staging_tables()) == 1

    call_command("recover_jobs")

    assert "1 killed import(s) published to the end" in capsys.readouterr().out
    assert Paper.objects.count() == PAPERS == batch.papers.count()
    assert staging_tables() == []
    again = import_rows(tmp_path)
    assert again.created == 0 and Paper.objects.count() == PAPERS


def test_recovery_leaves_the_staging_of_a_live_import_alone(tmp_path, small_chunks, monkeypatch):
    found = {}

    def recover_meanwhile(self):
        # Another session (recover_jobs run from cron) while this import publishes.
        thread = threading.Thread(target=lambda: (found.update(published=publish_abandoned()), connections.close_all()))
        thread.start()
        thread.join()
        monkeypatch.undo()
        return Staging.publish(self)

    monkeypatch.setattr(Staging, "publish", recover_meanwhile)

    import_rows(tmp_path)

    assert found == {"published": 0}
    assert Paper.objects.count() == PAPERS
    assert staging_tables() == []


def test_an_error_while_publishing_leaves_the_rest_to_recover_jobs(tmp_path, small_chunks, monkeypatch):
    publish_chunk = Staging._publish_chunk

    def fail_after_one_chunk(self, after):
        if after:
            raise DatabaseError("the disk is full")
        return publish_chunk(self, after)

    monkeypatch.setattr(Staging, "_publish_chunk", fail_after_one_chunk)
    report = import_rows(tmp_path)
    monkeypatch.setattr(Staging, "_publish_chunk", publish_chunk)

    assert report.ok and report.created == PAPERS
    assert "manage.py recover_jobs" in str(report.notes[-1])
    assert Paper.objects.count() == 2
    # The importer gave the table up: recovery, here from the same process, takes it.
    assert publish_abandoned() == 1
    assert Paper.objects.count() == PAPERS
    assert staging_tables() == []
