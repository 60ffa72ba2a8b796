"""A worker killed mid-task: what it leaves in the database, and how the app reports it failed or runs it again.

The database a SIGKILLed worker leaves is built here directly (tests/test_faults_killed_import.py kills a real one):
its task result stays RUNNING, as django-tasks-db has no way to notice a dead worker, and its job's heartbeat stops.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from papers.models import ImportJob
from papers.tasks import SIMILAR_REFRESH_PATH, STOPPED_WORKER_MESSAGE, refresh_similar_papers, run_import_job
from reviews import priority
from reviews.models import PriorityRanking
from reviews.tasks import retrain_priority
from tests.factories import make_review, make_user
from tests.test_import_jobs import GOOD_JSONL, curator

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(hours=1)


@pytest.fixture(autouse=True)
def database_task_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.WORKER_TIMEOUT = timedelta(minutes=15)


def killed_mid_task(result, started=LONG_AGO) -> DBTaskResult:
    """What a worker leaves when killed after taking a task: the result RUNNING, with its start time."""
    DBTaskResult.objects.filter(id=result.id).update(
        status="RUNNING", started_at=timezone.now() - started, worker_ids=["dead"]
    )
    return DBTaskResult.objects.get(id=result.id)


def import_job_killed_while_writing(owner, heartbeat_age: timedelta, settings) -> ImportJob:
    job = ImportJob.objects.create(created_by=owner, files=[{"name": "a.jsonl", "path": "job-x/1", "size": 3}])
    stored = settings.IMPORT_UPLOAD_DIR / "job-x" / "1"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(GOOD_JSONL)
    job.files = [{"name": "a.jsonl", "path": str(stored.relative_to(settings.IMPORT_UPLOAD_DIR)), "size": 3}]
    task = killed_mid_task(run_import_job.enqueue(job.pk), started=heartbeat_age)
    ImportJob.objects.filter(pk=job.pk).update(
        files=job.files,
        task_id=str(task.id),
        status="running",
        phase="writing",
        started_at=timezone.now() - heartbeat_age,
        progress_at=timezone.now() - heartbeat_age,
    )
    job.refresh_from_db()
    return job


class TestAnImportJobWhoseWorkerDied:
    def test_its_page_reports_it_failed_once_its_heartbeat_is_older_than_the_timeout(self, client, settings):
        owner = make_user("olga")
        job = import_job_killed_while_writing(owner, LONG_AGO, settings)
        client.force_login(owner)

        page = client.get(job.get_absolute_url())

        job.refresh_from_db()
        assert job.status == "failed" and job.finished_at is not None
        assert job.failure_reason == STOPPED_WORKER_MESSAGE
        assert "The worker stopped while importing; nothing was written. Import the file again." in page.text
        assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
        assert not job.stored_paths()[0].exists()

    def test_a_job_that_beat_recently_is_still_running(self, client, settings):
        owner = make_user("olga")
        job = import_job_killed_while_writing(owner, timedelta(minutes=2), settings)
        client.force_login(owner)

        page = client.get(job.get_absolute_url())

        job.refresh_from_db()
        assert job.status == "running"
        assert "Writing to the database" in page.text
        assert DBTaskResult.objects.get(id=job.task_id).status == "RUNNING"
        assert job.stored_paths()[0].exists()

    def test_the_import_page_lists_it_as_failed(self, client, settings):
        owner = curator()
        job = import_job_killed_while_writing(owner, LONG_AGO, settings)
        client.force_login(owner)

        page = client.get("/papers/import/")

        job.refresh_from_db()
        assert job.status == "failed"
        assert "<td>Failed</td>" in page.text

    def test_the_timeout_is_a_setting(self, client, settings):
        owner = make_user("olga")
        job = import_job_killed_while_writing(owner, timedelta(minutes=2), settings)
        settings.WORKER_TIMEOUT = timedelta(minutes=1)

        call_command("recover_jobs", stdout=io.StringIO())

        job.refresh_from_db()
        assert job.status == "failed"

    def test_a_queued_job_waiting_for_a_worker_is_not_failed(self, settings):
        owner = make_user("olga")
        job = ImportJob.objects.create(created_by=owner)
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - LONG_AGO)

        call_command("recover_jobs", stdout=io.StringIO())

        job.refresh_from_db()
        assert job.status == "queued"

    def test_a_finished_job_is_left_as_it_is(self, settings):
        owner = make_user("olga")
        job = import_job_killed_while_writing(owner, LONG_AGO, settings)
        ImportJob.objects.filter(pk=job.pk).update(status="succeeded", failure_reason="")

        call_command("recover_jobs", stdout=io.StringIO())

        job.refresh_from_db()
        assert job.status == "succeeded" and job.failure_reason == ""


def test_recover_jobs_fails_stopped_imports_and_queues_retraining_and_refresh_again(settings, capsys):
    owner = make_user("olga")
    review = make_review("mine", members={owner: "owner"})
    job = import_job_killed_while_writing(owner, LONG_AGO, settings)
    ranking = PriorityRanking.objects.create(review=review, user=None)
    retraining = killed_mid_task(retrain_priority.enqueue(ranking.pk))
    refresh = killed_mid_task(refresh_similar_papers.enqueue())
    before = DBTaskResult.objects.count()

    call_command("recover_jobs")

    job.refresh_from_db()
    assert job.status == "failed" and job.failure_reason == STOPPED_WORKER_MESSAGE
    retraining.refresh_from_db()
    refresh.refresh_from_db()
    assert retraining.status == "FAILED" and "stopped while retraining" in retraining.traceback
    assert refresh.status == "FAILED"
    waiting = DBTaskResult.objects.filter(status="READY")
    assert waiting.filter(task_path=retrain_priority.module_path, args_kwargs__args__0=ranking.pk).count() == 1
    assert waiting.filter(task_path=SIMILAR_REFRESH_PATH).count() == 1
    assert DBTaskResult.objects.count() == before + 2
    assert PriorityRanking.objects.get(pk=ranking.pk).queued_at is not None
    assert (
        "0 killed import(s) published to the end, "
        "1 import job(s) reported failed, 1 priority retraining(s) and 1 similar-papers refresh(es)"
    ) in (capsys.readouterr().out)


def test_recover_jobs_leaves_tasks_of_live_workers_alone(settings):
    review = make_review("mine", members={make_user("olga"): "owner"})
    ranking = PriorityRanking.objects.create(review=review, user=None)
    retraining = killed_mid_task(retrain_priority.enqueue(ranking.pk), started=timedelta(minutes=3))

    call_command("recover_jobs", stdout=io.StringIO())

    retraining.refresh_from_db()
    assert retraining.status == "RUNNING"
    assert DBTaskResult.objects.count() == 1


def test_the_retraining_task_is_looked_for_under_its_real_path():
    assert retrain_priority.module_path == priority.RETRAIN_TASK_PATH


class TestAStaleQueuedRetraining:
    """A worker killed after taking a retraining but before the ranking's claim leaves ``queued_at`` set; decisions
    would never queue another run (queue_retraining queues only when no run waits)."""

    def make_ranking(self, queued_ago: timedelta) -> PriorityRanking:
        review = make_review("mine", members={make_user("olga"): "owner"})
        ranking = PriorityRanking.objects.create(review=review, user=None)
        PriorityRanking.objects.filter(pk=ranking.pk).update(queued_at=timezone.now() - queued_ago)
        return ranking

    def retrainings_waiting(self, ranking) -> int:
        return DBTaskResult.objects.filter(
            status="READY", task_path=retrain_priority.module_path, args_kwargs__args__0=ranking.pk
        ).count()

    def test_no_longer_blocks_a_new_run_once_older_than_the_timeout(self):
        ranking = self.make_ranking(LONG_AGO)

        priority.queue_retraining([ranking.pk])

        assert self.retrainings_waiting(ranking) == 1
        assert PriorityRanking.objects.get(pk=ranking.pk).queued_at > timezone.now() - timedelta(minutes=1)

    def test_whose_task_died_with_its_worker_no_longer_blocks_either(self):
        ranking = self.make_ranking(LONG_AGO)
        killed_mid_task(retrain_priority.enqueue(ranking.pk))

        priority.queue_retraining([ranking.pk])

        assert self.retrainings_waiting(ranking) == 1

    def test_a_recent_one_still_absorbs_new_decisions(self):
        ranking = self.make_ranking(timedelta(minutes=2))

        priority.queue_retraining([ranking.pk])

        assert self.retrainings_waiting(ranking) == 0

    def test_an_old_one_still_waiting_in_the_queue_is_not_doubled(self):
        ranking = self.make_ranking(LONG_AGO)
        retrain_priority.enqueue(ranking.pk)

        priority.queue_retraining([ranking.pk])

        assert self.retrainings_waiting(ranking) == 1

    def test_an_old_one_running_on_a_live_worker_is_not_doubled(self):
        ranking = self.make_ranking(LONG_AGO)
        killed_mid_task(retrain_priority.enqueue(ranking.pk), started=timedelta(minutes=2))

        priority.queue_retraining([ranking.pk])

        assert self.retrainings_waiting(ranking) == 0
