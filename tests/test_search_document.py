import pytest
from django.core.management import call_command
from django.db import connection

from papers.models import Paper
from papers.search import SEARCH_INDEX
from tests.factories import make_paper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only"),
]

SEED = "fixtures/000_17fd64235e3a3294.txt"


def search_index_oid() -> int | None:
    """The index's identity: a rebuilt index gets a new one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::oid", [SEARCH_INDEX])
        return cursor.fetchone()[0]


def pending_pages() -> int:
    """Pages of entries waiting in the GIN index's pending list, not yet merged into the index (merging them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])
        return cursor.fetchone()[0]


def test_a_bulk_load_keeps_the_search_index_and_leaves_nothing_pending(monkeypatch):
    # The index is never dropped (that locked the papers table against reads until the import committed): a
    # bulk load's entries wait in the pending list in large batches and are merged in before it commits.
    monkeypatch.setattr("papers.importers.writes.BULK_LOAD_MIN_RECORDS", 50)
    monkeypatch.setattr("papers.importers.upsert.WRITE_CHUNK", 60)
    before = search_index_oid()

    call_command("import_papers", SEED)

    assert Paper.objects.count() == 100
    assert search_index_oid() == before
    assert pending_pages() == 0
    assert Paper.objects.search('"state-space models"').filter(arxiv_id="2212.10544").exists()


def test_a_small_import_into_a_large_table_keeps_the_index(monkeypatch):
    monkeypatch.setattr("papers.importers.writes.BULK_LOAD_MIN_RECORDS", 50)
    for number in range(1, 150):
        make_paper(f"2101.{number:05d}")
    before = search_index_oid()

    call_command("import_papers", SEED)

    assert search_index_oid() == before
    assert Paper.objects.search("InstructBLIP").filter(arxiv_id="2305.06500").exists()


def test_the_search_document_follows_edits_to_title_and_abstract():
    paper = make_paper("2201.11903", title="Prompting", abstract="Reasoning in large models.")

    paper.title = "Chain of thought"
    paper.save()
    Paper.objects.filter(pk=paper.pk).update(abstract="Arithmetic benchmarks.")

    assert Paper.objects.search('"chain of thought"').filter(pk=paper.pk).exists()
    assert Paper.objects.search("arithmetic").filter(pk=paper.pk).exists()
    assert not Paper.objects.search("reasoning").filter(pk=paper.pk).exists()
    assert not Paper.objects.search("prompting").filter(pk=paper.pk).exists()
