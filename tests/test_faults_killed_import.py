"""An import SIGKILLed half-way is never half-applied: killed while it stages, it leaves the database exactly as it
was; killed while it publishes, ``recover_jobs`` publishes the rest. Either way the next run succeeds.

The import stages every chunk inside one transaction (papers/importers/upsert.py, staging.py), so a killed
process's transaction is rolled back by PostgreSQL when its connection drops; once it has committed, its staging
table is the work left. These tests kill real processes: the `import_papers` command, and `manage.py db_worker`
running a background import job.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from benchmarks.corpus_generator import CorpusGenerator, write_jsonl
from config.database_url import database_url
from papers.importers.staging import TABLE_PATTERN
from papers.models import ImportBatch, ImportJob, Paper
from papers.search import SEARCH_INDEX
from papers.tasks import STOPPED_WORKER_MESSAGE, Heartbeat, fail_if_worker_stopped, start_import
from tests.factories import make_review, make_user
from tests.test_import_jobs_worker import run_worker_in_process

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="a process to kill needs a database it can share (the SQLite test database is in memory)",
    ),
]

# Two write chunks (WRITE_CHUNK = 20,000): killed once the first is staged, in the middle of the second; or once
# the staging has committed, while the two publish chunks (PUBLISH_CHUNK = 20,000) are moved into the papers.
RECORDS = 30_000
FIRST_CHUNK = 20_000


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    with path.open("w") as out:
        write_jsonl(CorpusGenerator(seed=11).records(RECORDS), out)
    return path


@pytest.fixture(autouse=True)
def database_task_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def subprocess_env(settings) -> dict:
    url = database_url()
    return {
        **os.environ,
        "DATABASE_URL": url,
        "MARGINALIA_IMPORT_UPLOAD_DIR": str(settings.IMPORT_UPLOAD_DIR),
        "DJANGO_TASKS_BACKEND": "database",
    }


def start(arguments: list[str], settings) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=django_settings.BASE_DIR,
        env=subprocess_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def row_counts() -> dict[str, int]:
    """Every table of the corpus and of the reviews, the links between them included."""
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in ("papers", "reviews") and model is not ImportJob
    }


def last_paper_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM papers_paper_id_seq")
        return cursor.fetchone()[0]


def second_chunk_staging(ids_before: int) -> bool:
    """The import holds its transaction open with the first chunk staged: the papers' sequence (which no rollback
    undoes) is past the first chunk's ids, drawn for the second chunk, and no staging table has committed."""
    return last_paper_id() > ids_before + FIRST_CHUNK and not publishing_tables()


def kill_when(process: subprocess.Popen, ready, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"the process ended before it was killed: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the import never reached the point to kill it at")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def kill_when_writing(process: subprocess.Popen) -> None:
    ids_before = last_paper_id()
    kill_when(process, lambda: second_chunk_staging(ids_before))


def kill_when_publishing(process: subprocess.Popen) -> None:
    kill_when(process, lambda: bool(publishing_tables()))


def leftovers_of_killed_sessions() -> list[tuple]:
    """Other sessions of the test database still holding a transaction or a lock, once the server has noticed
    the killed process's connection is gone (it notices at once: the socket closes)."""
    with connection.cursor() as cursor:
        for _ in range(100):
            cursor.execute(
                "SELECT a.pid, a.state, a.query FROM pg_stat_activity a WHERE a.datname = current_database() "
                "AND a.pid <> pg_backend_pid() AND (a.xact_start IS NOT NULL OR EXISTS "
                "(SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'relation'))"
            )
            rows = cursor.fetchall()
            if not rows:
                return []
            time.sleep(0.1)
        return rows


def staging_tables() -> list[str]:
    """The scratch tables of a bulk COPY and the staging tables of imports, committed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename ~ '^papers_(import|publish)_[0-9a-f]{32}'")
        return [row[0] for row in cursor.fetchall()]


def publishing_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename ~ %s", [TABLE_PATTERN])
        return [row[0] for row in cursor.fetchall()]


def search_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [SEARCH_INDEX])
        return cursor.fetchone()[0] == 1


def test_an_import_killed_while_writing_leaves_nothing_and_the_next_run_succeeds(corpus_file, settings):
    make_review("already here", members={make_user("olga"): "owner"})
    before = row_counts()
    index_before = search_index_exists()

    killed = start(["import_papers", str(corpus_file), "--no-similar"], settings)
    kill_when_writing(killed)

    assert leftovers_of_killed_sessions() == []
    assert row_counts() == before
    assert Paper.objects.count() == 0 and ImportBatch.objects.count() == 0
    assert staging_tables() == []
    assert search_index_exists() == index_before

    again = start(["import_papers", str(corpus_file), "--no-similar"], settings)
    out, err = again.communicate(timeout=600)

    assert again.returncode == 0, err
    batch = ImportBatch.objects.get()
    assert batch.record_count == RECORDS
    assert Paper.objects.count() == batch.created_count > FIRST_CHUNK
    assert f"Imported 1 file(s): {batch.created_count} created" in out
    assert search_index_exists() == index_before


def test_a_worker_killed_in_the_middle_of_an_import_job_leaves_nothing_and_the_job_reports_it(
    corpus_file, settings, client
):
    owner = make_user("olga")
    review = make_review("mine", members={owner: "owner"})
    upload = SimpleUploadedFile("corpus.jsonl", corpus_file.read_bytes())
    job = start_import(owner, [upload], review=review)
    before = row_counts()

    worker = start(["db_worker", "--batch", "--no-reload", "--no-startup-delay"], settings)
    kill_when_writing(worker)

    assert leftovers_of_killed_sessions() == []
    assert row_counts() == before
    assert not review.review_papers.exists()
    job.refresh_from_db()
    assert job.status == "running" and job.phase == "writing"
    assert DBTaskResult.objects.get(id=job.task_id).status == "RUNNING"

    # Within the heartbeat's allowance the job still looks alive; past it, anyone looking sees it failed.
    client.force_login(owner)
    assert "Writing to the database" in client.get(job.get_absolute_url()).text
    ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now() - timedelta(hours=1))
    page = client.get(job.get_absolute_url())

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.failure_reason == STOPPED_WORKER_MESSAGE
    assert STOPPED_WORKER_MESSAGE in page.text
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    assert not list(job.upload_dir().glob("*"))

    retry = start_import(owner, [SimpleUploadedFile("corpus.jsonl", corpus_file.read_bytes())], review=review)
    run_worker_in_process()

    retry.refresh_from_db()
    assert retry.status == "succeeded", retry.failure_reason
    assert retry.created_count == Paper.objects.count() > FIRST_CHUNK
    assert review.review_papers.count() == retry.added_to_review_count == Paper.objects.count()


def test_a_running_job_beats_even_through_a_silent_step(monkeypatch):
    monkeypatch.setattr("papers.tasks.HEARTBEAT_SECONDS", 0.05)
    long_ago = timezone.now() - timedelta(hours=1)
    job = ImportJob.objects.create(status="running", started_at=long_ago, progress_at=long_ago)

    heartbeat = Heartbeat(job.pk)
    time.sleep(0.5)
    heartbeat.stop()

    job.refresh_from_db()
    assert job.progress_at > timezone.now() - timedelta(minutes=1)
    assert not fail_if_worker_stopped(job)


def test_an_import_killed_while_publishing_is_published_to_the_end_by_recover_jobs(corpus_file, settings, capsys):
    killed = start(["import_papers", str(corpus_file), "--no-similar"], settings)
    kill_when_publishing(killed)

    assert leftovers_of_killed_sessions() == []
    batch = ImportBatch.objects.get()
    assert batch.record_count == RECORDS
    # Committed chunk by chunk: the first, or none yet; the rest waits in the staging table.
    assert Paper.objects.count() in (0, FIRST_CHUNK)
    assert len(publishing_tables()) == 1

    call_command("recover_jobs")

    assert "1 killed import(s) published to the end" in capsys.readouterr().out
    assert Paper.objects.count() == batch.created_count == batch.papers.count() > FIRST_CHUNK
    assert staging_tables() == []
    again = start(["import_papers", str(corpus_file), "--no-similar"], settings)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "Imported 1 file(s): 0 created" in out
    assert Paper.objects.count() == batch.created_count


def test_a_worker_killed_while_its_job_publishes_leaves_the_rest_to_recover_jobs(corpus_file, settings):
    owner = make_user("olga")
    review = make_review("mine", members={owner: "owner"})
    job = start_import(owner, [SimpleUploadedFile("corpus.jsonl", corpus_file.read_bytes())], review=review)

    worker = start(["db_worker", "--batch", "--no-reload", "--no-startup-delay"], settings)
    kill_when_publishing(worker)

    # The server ends the killed worker's session (and its lock on the staging table) once a running statement
    # of it notices the connection is gone.
    assert leftovers_of_killed_sessions() == []
    job.refresh_from_db()
    assert job.status == "succeeded"  # its outcome committed with the staging
    assert review.review_papers.count() < job.added_to_review_count

    call_command("recover_jobs")

    assert Paper.objects.count() == job.created_count == job.added_to_review_count == review.review_papers.count()
    assert staging_tables() == []
