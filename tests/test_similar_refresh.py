"""Similar papers stay current as papers are imported: every import that writes papers queues one refresh
(papers.tasks.refresh_similar_papers), which gives the new and changed papers their lists and offers them to the
older papers' lists. The tasks run at once here (tests/conftest.py); the debounce and the "being computed" pages
use the database backend's queue, which keeps the task waiting."""

import json
import threading
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from papers import similarity, tasks
from papers.models import ImportJob, Paper, SimilarPaper, StaleSimilarList
from papers.tasks import SIMILAR_REFRESH_PATH, refresh_similar_papers, start_import
from reviews.models import Role
from tests.factories import logged_in, make_paper, make_review, make_user
from tests.test_import_jobs import curator

pytestmark = pytest.mark.django_db

PROTEIN = "Protein folding of amino acid chains predicted from sequences"
GALAXY = "Dark matter halos and rotation curves of spiral galaxies"


def jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


def new_protein_papers(count: int = 2, start: int = 1) -> bytes:
    return jsonl(
        *(
            {"arxiv_id": f"2402.{n:05d}", "title": f"Protein folding, new study {n}", "abstract": f"{PROTEIN}, {n}."}
            for n in range(start, start + count)
        )
    )


@pytest.fixture
def corpus():
    """Three protein papers and three galaxy papers, with their lists computed."""
    proteins = [make_paper(title=f"Protein folding {n}", abstract=f"{PROTEIN} ({n}).") for n in range(3)]
    galaxies = [make_paper(title=f"Spiral galaxies {n}", abstract=f"{GALAXY} ({n}).") for n in range(3)]
    similarity.refresh()
    return proteins, galaxies


@pytest.fixture
def database_queue(settings):
    """The database backend: a queued task waits in its table until a worker runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def listed(paper) -> list[int]:
    return list(SimilarPaper.objects.filter(paper=paper).values_list("similar_id", flat=True))


def waiting_refreshes() -> int:
    return DBTaskResult.objects.filter(task_path=SIMILAR_REFRESH_PATH, status=TaskResultStatus.READY).count()


def upload(user, content: bytes, **options) -> ImportJob:
    return start_import(user, [SimpleUploadedFile("new.jsonl", content)], **options)


def import_command(tmp_path, content: bytes, *options) -> str:
    path = tmp_path / "new.jsonl"
    path.write_bytes(content)
    out = StringIO()
    call_command("import_papers", str(path), *options, stdout=out, stderr=StringIO())
    return out.getvalue()


class TestAfterAnImportJob:
    def test_the_new_papers_get_lists_and_join_an_older_papers_list(self, corpus):
        proteins, galaxies = corpus
        job = upload(curator(), new_protein_papers())

        assert job.status == "succeeded"
        new = list(Paper.objects.filter(arxiv_id__startswith="2402."))
        assert len(new) == 2
        for paper in new:
            assert set(listed(paper)) >= {protein.pk for protein in proteins}
            assert not set(listed(paper)) & {galaxy.pk for galaxy in galaxies}
        assert {paper.pk for paper in new} <= set(listed(proteins[0]))
        assert not {paper.pk for paper in new} & set(listed(galaxies[0]))

    def test_a_changed_abstract_gets_its_list_computed_again(self, corpus):
        proteins, galaxies = corpus
        user = curator()
        upload(user, jsonl({"arxiv_id": "2402.00009v1", "title": "Untitled", "abstract": f"{PROTEIN}."}))
        paper = Paper.objects.get(arxiv_id="2402.00009")
        assert set(listed(paper)) == {protein.pk for protein in proteins}

        # A newer version replaces the abstract (papers/importers/merge.py).
        upload(user, jsonl({"arxiv_id": "2402.00009v2", "title": "Untitled", "abstract": f"{GALAXY}."}))

        assert set(listed(paper)) == {galaxy.pk for galaxy in galaxies}
        assert paper.pk in listed(galaxies[0])
        assert not StaleSimilarList.objects.exists()

    def test_a_dry_run_queues_nothing(self, corpus, database_queue):
        job = upload(curator(), new_protein_papers(), dry_run=True)
        run_waiting_import(job)

        assert ImportJob.objects.get(pk=job.pk).status == "succeeded"
        assert not Paper.objects.filter(arxiv_id__startswith="2402.").exists()
        assert waiting_refreshes() == 0

    def test_a_failing_refresh_leaves_the_import_succeeded(self, corpus, monkeypatch):
        def broken(**options):
            raise MemoryError("no room for the matrix")

        monkeypatch.setattr(similarity, "refresh", broken)

        job = upload(curator(), new_protein_papers())

        assert job.status == "succeeded"
        assert Paper.objects.filter(arxiv_id__startswith="2402.").count() == 2

    def test_a_queue_refusing_the_refresh_leaves_the_import_succeeded(self, corpus, monkeypatch, database_queue):
        job = upload(curator(), new_protein_papers())

        def refuse(*args, **kwargs):
            raise RuntimeError("the queue is full")

        monkeypatch.setattr(tasks, "refresh_similar_papers", SimpleNamespace(enqueue=refuse))
        run_waiting_import(job)

        assert ImportJob.objects.get(pk=job.pk).status == "succeeded"
        assert Paper.objects.filter(arxiv_id__startswith="2402.").count() == 2
        assert waiting_refreshes() == 0


def run_waiting_import(job):
    """Run the import job the database backend queued, as the worker would."""
    from papers.tasks import run_import_job

    run_import_job.call(job.pk)


class TestAfterTheImportCommand:
    def test_it_refreshes_the_lists_and_says_so(self, corpus, tmp_path):
        proteins, _ = corpus
        out = import_command(tmp_path, new_protein_papers())

        assert "Similar papers: refreshed." in out
        new = Paper.objects.get(arxiv_id="2402.00001")
        assert proteins[0].pk in listed(new)
        assert new.pk in listed(proteins[0])

    def test_with_a_worker_it_queues_the_refresh_for_it(self, corpus, tmp_path, database_queue):
        out = import_command(tmp_path, new_protein_papers())

        assert "a refresh is queued; the task worker (manage.py db_worker) computes it" in out
        assert waiting_refreshes() == 1
        new = Paper.objects.get(arxiv_id="2402.00001")
        assert listed(new) == []

        DBTaskResult.objects.get(task_path=SIMILAR_REFRESH_PATH).task.call()  # what the worker runs

        assert listed(new)

    def test_a_dry_run_queues_nothing(self, corpus, tmp_path, database_queue):
        out = import_command(tmp_path, new_protein_papers(), "--dry-run")

        assert "Similar papers" not in out
        assert waiting_refreshes() == 0

    def test_no_similar_queues_nothing_but_marks_changed_papers_for_compute_similar(
        self, corpus, tmp_path, database_queue
    ):
        proteins, galaxies = corpus
        changed = jsonl({"arxiv_id": f"{proteins[0].arxiv_id}v2", "title": "Galaxies now", "abstract": f"{GALAXY}."})
        out = import_command(tmp_path, changed, "--no-similar")

        assert "not refreshed (--no-similar)" in out
        assert waiting_refreshes() == 0
        assert list(StaleSimilarList.objects.values_list("paper_id", flat=True)) == [proteins[0].pk]

        call_command("compute_similar", "--missing-only", stdout=StringIO())

        assert set(listed(proteins[0])) >= {galaxy.pk for galaxy in galaxies}
        assert not StaleSimilarList.objects.exists()

    def test_reimporting_the_same_records_queues_nothing(self, corpus, tmp_path, database_queue):
        import_command(tmp_path, new_protein_papers())
        DBTaskResult.objects.all().delete()

        out = import_command(tmp_path, new_protein_papers())

        assert "Similar papers" not in out
        assert waiting_refreshes() == 0


class TestDebounce:
    def test_a_waiting_refresh_takes_in_later_imports_instead_of_another(self, corpus, tmp_path, database_queue):
        proteins, _ = corpus
        first = import_command(tmp_path, new_protein_papers(1, start=1))
        second = import_command(tmp_path, new_protein_papers(1, start=2))

        assert "a refresh is queued" in first
        assert "a refresh already queued will take these papers in" in second
        assert waiting_refreshes() == 1

        DBTaskResult.objects.get(task_path=SIMILAR_REFRESH_PATH).task.call()

        for arxiv_id in ("2402.00001", "2402.00002"):
            paper = Paper.objects.get(arxiv_id=arxiv_id)
            assert proteins[0].pk in listed(paper)
            assert paper.pk in listed(proteins[0])

    def test_a_running_refresh_does_not_stop_the_next_import_queueing_one(self, corpus, tmp_path, database_queue):
        import_command(tmp_path, new_protein_papers(1, start=1))
        # The worker has claimed it: it may have read the corpus before the next import committed.
        DBTaskResult.objects.filter(task_path=SIMILAR_REFRESH_PATH).update(status=TaskResultStatus.RUNNING)

        out = import_command(tmp_path, new_protein_papers(1, start=2))

        assert "a refresh is queued" in out
        assert waiting_refreshes() == 1

    def test_a_refresh_with_nothing_to_do_stops_before_reading_the_corpus(self, corpus, monkeypatch):
        monkeypatch.setattr(similarity, "load_corpus", lambda: pytest.fail("read the corpus"))

        assert refresh_similar_papers.call() == {"papers": 0, "updated_others": 0, "rows": 0, "seconds": 0.0}


class TestThePagesWhileTheRefreshWaits:
    @pytest.fixture
    def imported(self, corpus, tmp_path, database_queue):
        owner = make_user("olga")
        import_command(tmp_path, new_protein_papers(1))
        paper = Paper.objects.get(arxiv_id="2402.00001")
        review = make_review("proteins", papers=[paper, *corpus[0]], members={owner: Role.OWNER})
        return owner, review, paper

    def test_a_new_paper_says_its_similar_papers_are_being_computed(self, client, imported):
        owner, review, paper = imported
        page = logged_in(client, owner).get(reverse("reviews:paper", args=[review.slug, paper.key]))
        corpus_page = client.get(paper.get_absolute_url())

        assert "Similar papers are being computed in the background" in page.content.decode()
        assert "Being computed in the background" in corpus_page.content.decode()

        DBTaskResult.objects.get(task_path=SIMILAR_REFRESH_PATH).task.call()
        DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)

        page = client.get(reverse("reviews:paper", args=[review.slug, paper.key]))
        assert "being computed" not in page.content.decode()
        assert "Protein folding 0" in page.content.decode()

    def test_without_a_refresh_under_way_the_page_says_how_lists_are_made(self, client, imported):
        owner, review, paper = imported
        DBTaskResult.objects.update(status=TaskResultStatus.FAILED)

        page = logged_in(client, owner).get(reverse("reviews:paper", args=[review.slug, paper.key]))

        assert "being computed" not in page.content.decode()
        assert "No similar papers found yet" in page.content.decode()


class TestRefreshCost:
    def test_new_papers_are_compared_with_the_corpus_not_the_corpus_with_itself(self, corpus, monkeypatch):
        """k new papers cost two passes of k rows against the corpus: their own lists, and the offer to the
        others (as columns), never a pass of every row."""
        passes = []
        original = similarity.nearest

        def counting(corpus_, rows, columns=None, **options):
            passes.append((len(rows), len(corpus_.ids) if columns is None else len(columns)))
            return original(corpus_, rows, columns, **options)

        monkeypatch.setattr(similarity, "nearest", counting)
        for n in range(8):
            make_paper(title=f"Galaxy survey {n}", abstract=f"{GALAXY}, survey {n}.")
        similarity.refresh(missing_only=True)
        passes_first = list(passes)
        passes.clear()
        make_paper(title="Protein folding late", abstract=f"{PROTEIN}, late.")

        outcome = similarity.refresh(missing_only=True)

        assert passes_first == [(14, 14)]  # 8 new of 14: more than half, so the full recompute, in one pass
        assert passes == [(1, 15), (14, 1)]
        assert outcome.papers == 1


class TestMergingPapersWithLists:
    def test_the_merged_paper_leaves_every_list_and_the_next_refresh_fills_them(self, corpus):
        from reviews.paper_merging import merge_papers

        proteins, _ = corpus
        survivor, merged = proteins[0], proteins[1]

        merge_papers(survivor.pk, merged.pk)

        assert not SimilarPaper.objects.filter(paper=survivor, similar=survivor).exists()
        assert set(StaleSimilarList.objects.values_list("paper_id", flat=True)) >= {survivor.pk, proteins[2].pk}
        assert merged.pk not in listed(proteins[2])

        similarity.refresh(missing_only=True)

        assert survivor.pk in listed(proteins[2])
        assert proteins[2].pk in listed(survivor)
        assert not StaleSimilarList.objects.exists()


class TestTheRefreshBenchmark:
    def test_it_imports_new_papers_and_times_their_refresh_with_the_load(self, corpus, monkeypatch):
        from benchmarks.management.commands import benchmark_similar

        # The machine's description asks PostgreSQL for its settings; the figures do not need it.
        monkeypatch.setattr(benchmark_similar, "machine_description", lambda: [("date", "today")])
        out = StringIO()

        call_command("benchmark_similar", "--refresh", "5", stdout=out)

        report = out.getvalue()
        assert "refresh of 5 new papers against 6:" in report
        assert "Load average after the refresh:" in report
        new = Paper.objects.filter(doi__startswith="10.5555/similar-benchmark.")
        assert new.count() == 5
        assert all(listed(paper) for paper in new)

    @pytest.mark.parametrize("count", ["0", "100001"])
    def test_it_refuses_a_count_out_of_range(self, corpus, count):
        with pytest.raises(CommandError, match="--refresh must be between 1 and 100000"):
            call_command("benchmark_similar", "--refresh", count, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_refresh_waits_for_one_already_running():
    """Two runs at once failed on the rank's unique index (both replaced the same list); now the later waits."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time; the lock is PostgreSQL's")
    for n in range(3):
        make_paper(title=f"Protein folding {n}", abstract=f"{PROTEIN} ({n}).")
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    finished = threading.Event()

    def run():
        try:
            similarity.refresh(missing_only=True)
            finished.set()
        finally:
            connections.close_all()

    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [similarity.RUN_LOCK])
    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert not finished.wait(2)
        assert not SimilarPaper.objects.exists()
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [similarity.RUN_LOCK])
        other.close()
    thread.join(30)
    assert finished.is_set()
    assert SimilarPaper.objects.count() == 6
