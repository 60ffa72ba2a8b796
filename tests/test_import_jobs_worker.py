"""The real path of a background import: the database task backend queues it, `manage.py db_worker` runs it."""

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from config.database_url import database_url
from papers.models import ImportJob, Paper
from papers.tasks import start_import
from tests.factories import make_review, make_user
from tests.test_import_jobs import BROKEN_JSONL, GOOD_JSONL, curator

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def database_task_backend(settings):
    settings.TASKS = DATABASE_BACKEND


def run_worker_in_process():
    """`manage.py db_worker --batch`: run every queued task, then stop (keeping pytest's signal handlers)."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def test_an_upload_waits_in_the_queue_until_the_worker_runs_it(client):
    user = curator()
    client.force_login(user)

    client.post("/papers/import/", {"files": [SimpleUploadedFile("a.jsonl", GOOD_JSONL)], "format": "auto"})
    job = ImportJob.objects.get()
    queued_page = client.get(job.get_absolute_url())
    run_worker_in_process()
    job.refresh_from_db()

    assert "Waiting for the worker" in queued_page.text
    assert job.status == "succeeded"
    assert job.created_count == Paper.objects.count() == 2
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    assert "Done" in client.get(job.get_absolute_url()).text


def test_a_bad_file_fails_its_job_in_the_worker_and_writes_nothing():
    owner = make_user("olga")
    review = make_review("mine", members={owner: "owner"})
    job = start_import(owner, [SimpleUploadedFile("broken.jsonl", BROKEN_JSONL)], review=review)

    run_worker_in_process()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.problems == [job.problems[0]] and job.problems[0].startswith("broken.jsonl:2:")
    assert Paper.objects.count() == 0
    assert not review.review_papers.exists()


def test_a_task_that_fails_before_it_can_report_leaves_its_job_failed_on_the_page(client, monkeypatch):
    user = curator()
    client.force_login(user)
    job = start_import(user, [SimpleUploadedFile("a.jsonl", GOOD_JSONL)])

    def broken(self, job):
        raise RuntimeError("no progress for you")

    monkeypatch.setattr("papers.tasks.JobProgress.__init__", broken)
    run_worker_in_process()
    page = client.get(job.get_absolute_url())

    job.refresh_from_db()
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    assert job.status == "failed"
    assert "The background task failed" in page.text
    assert Paper.objects.count() == 0


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a worker in another process needs a database it can share (the SQLite test database is in memory)",
)
def test_the_worker_command_in_its_own_process_runs_the_import(settings):
    user = curator()
    job = start_import(user, [SimpleUploadedFile("a.jsonl", GOOD_JSONL)])
    url = database_url()
    env = {**os.environ, "DATABASE_URL": url, "MARGINALIA_IMPORT_UPLOAD_DIR": str(settings.IMPORT_UPLOAD_DIR)}

    finished = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    job.refresh_from_db()
    assert finished.returncode == 0, finished.stderr
    assert job.status == "succeeded", job.failure_reason
    assert Paper.objects.filter(title="Sparse attention").exists()
