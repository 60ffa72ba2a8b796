"""Imports in the background: store the uploads, queue a task, and run it in the worker (`manage.py db_worker`).

Django's tasks API (the django-tasks backport) queues ``run_import_job``; with the database backend the queue is
a table of the app's own database. The job row (papers.models.ImportJob) is what people see: the task moves it
from queued to running to succeeded or failed, and writes its progress as it goes.

An import that wrote papers then queues ``refresh_similar_papers`` (``queue_similar_refresh``), which brings the
similar-paper lists up to date with it, later and in the worker: the import never waits for it, and its failure
is logged, never the import's.
"""

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.sql.constants import NO_RESULTS
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db.models import DBTaskResult

from . import similarity
from .importers import ImportReport, import_files
from .importers.staging import publish_abandoned
from .models import ImportJob, ImportJobStatus, ImportPhase

logger = logging.getLogger(__name__)

# A progress bar polled every second gains nothing from more writes than this.
PROGRESS_INTERVAL_SECONDS = 0.5
# A running job's heartbeat (``progress_at``) is written at least this often, even in an import's long silent
# steps (computing search documents, rebuilding the search index), so that only a dead worker's job goes stale.
HEARTBEAT_SECONDS = 30
# What a job whose worker died (SIGKILL, out of memory, the machine gone) says, once its heartbeat is too old.
STOPPED_WORKER_MESSAGE = "The worker stopped while importing; nothing was written. Import the file again."


def start_import(
    user,
    uploads: Iterable[UploadedFile],
    *,
    format: str = "auto",
    dry_run: bool = False,
    skip_invalid: bool = False,
    review=None,
) -> ImportJob:
    """Store ``uploads`` privately, create their ImportJob and queue it; the admin and the Import page call this.

    The files are copied to the job's directory under IMPORT_UPLOAD_DIR in chunks (never read whole). A copy
    that fails (a full disk) ends the job as failed at once, with the reason, rather than raising.
    """
    job = ImportJob.objects.create(
        created_by=user, format=format, dry_run=dry_run, skip_invalid=skip_invalid, review=review
    )
    try:
        job.files = _store_uploads(job, uploads)
    except OSError as error:
        logger.exception("Could not store the uploads of import job %s", job.pk)
        job.delete_uploads()
        job.fail(f"The upload could not be stored on the server ({error.strerror or error}); nothing was imported.")
        return job
    job.save(update_fields=["files"])
    # The immediate backend (tests, DJANGO_TASKS_BACKEND=immediate) runs the task inside enqueue().
    try:
        result = run_import_job.enqueue(job.pk)
    except Exception:
        logger.exception("Could not queue import job %s", job.pk)
        job.refresh_from_db()
        if not job.is_finished:
            job.delete_uploads()
            job.fail("The import could not be queued (the task queue refused it); nothing was imported.")
        return job
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def _store_uploads(job: ImportJob, uploads: Iterable[UploadedFile]) -> list[dict]:
    directory = job.upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for number, upload in enumerate(uploads, 1):
        # The stored name is ours: a client's file name never becomes a path.
        relative = f"{directory.name}/{number}"
        size = 0
        with (directory / str(number)).open("wb") as stored:
            for chunk in upload.chunks():
                stored.write(chunk)
                size += len(chunk)
        files.append({"name": upload.name or f"file {number}", "path": relative, "size": size})
    return files


@task()
def run_import_job(job_id: int) -> str:
    """Run a queued ImportJob: import its files in one transaction, then delete them; returns the final status.

    The report, the job's outcome and the papers added to its review are committed together with the import,
    or not at all: a failed or interrupted import leaves the job failed, with the reason, and the database as
    it was. A job that is not queued (already run, or run by another worker) is left alone.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING, started_at=timezone.now(), phase=ImportPhase.CHECKING
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("review", "created_by").get(pk=job_id)
    progress = JobProgress(job)
    heartbeat = Heartbeat(job_id)
    try:
        _run(job, progress)
    except BaseException as error:
        # Also KeyboardInterrupt and SystemExit: a worker stopped mid-import rolled the import back.
        logger.exception("Import job %s failed", job_id)
        job.fail(f"The import stopped with an error ({type(error).__name__}); nothing was imported.")
        raise
    finally:
        heartbeat.stop()
        progress.close()
        job.delete_uploads()
    return job.status


def _run(job: ImportJob, progress: "JobProgress") -> None:
    from reviews.models import Review

    if job.review_id and not Review.objects.owned_by(job.created_by).filter(pk=job.review_id).exists():
        job.fail(f"You are no longer an owner of “{job.review}”; nothing was imported.")
        return
    # Paths, not bytes: the importer streams the stored files (papers/importers/sources.py).
    sources = [(file["name"], path) for file, path in zip(job.files, job.stored_paths(), strict=True)]

    def complete(report) -> None:
        # Inside the import's transaction: the job's outcome commits with the papers (with a large import's
        # staged papers, which publish right after: papers/importers/staging.py).
        job.finish(report, added_to_review=report.added_to_review)

    report = import_files(
        sources,
        format=job.format,
        dry_run=job.dry_run,
        user=job.created_by,
        skip_invalid=job.skip_invalid,
        on_progress=progress,
        before_commit=complete,
        review=job.review,
    )
    if not job.is_finished:  # problems found, or a dry run: nothing was written
        job.finish(report)
    queue_similar_refresh(report)


class JobProgress:
    """The importer's progress callback for a job: writes phase, done and total to the job's row, at most
    every PROGRESS_INTERVAL_SECONDS.

    The import writes inside one transaction, which other connections cannot see into, so while it is open the
    progress goes through a connection of its own (PostgreSQL). SQLite has a single writer, the import itself:
    there the page shows the writing phase without a count.
    """

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.last_write = 0.0
        self.last_phase = ""
        self._own_connection = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.last_phase and done < total and now - self.last_write < PROGRESS_INTERVAL_SECONDS:
            return
        self.last_write, self.last_phase = now, phase
        if phase == ImportPhase.WRITING and connection.vendor != "postgresql":
            done = total = 0  # no count can follow (see above): the bar shows work going on, not a stuck 0%
        values = {"phase": phase, "progress_done": done, "progress_total": total, "progress_at": timezone.now()}
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(**values)
        elif connection.vendor == "postgresql":
            query = UpdateQuery(ImportJob)
            query.add_update_values(values)
            query.add_q(Q(pk=self.job_id))
            query.get_compiler(connection=self._connection()).execute_sql(NO_RESULTS)

    def _connection(self):
        if self._own_connection is None:
            self._own_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        return self._own_connection

    def close(self) -> None:
        if self._own_connection is not None:
            self._own_connection.close()
            self._own_connection = None


class Heartbeat:
    """Writes a running job's ``progress_at`` every HEARTBEAT_SECONDS from a thread with its own connection
    (PostgreSQL). On SQLite the import's transaction holds the one write lock: a beat could only wait for it."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._stopped = threading.Event()
        self._thread = None
        if connection.vendor == "postgresql":
            self._thread = threading.Thread(target=self._beat, name=f"import-job-{job_id}-heartbeat", daemon=True)
            self._thread.start()

    def _beat(self) -> None:
        try:
            while not self._stopped.wait(HEARTBEAT_SECONDS):
                ImportJob.objects.filter(pk=self.job_id, status=ImportJobStatus.RUNNING).update(
                    progress_at=timezone.now()
                )
        except Exception:
            logger.exception("The heartbeat of import job %s stopped", self.job_id)
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()


def sync_with_task(job: ImportJob) -> None:
    """End a job as failed if its task failed before the task could say so itself (it could not even start), or
    if its worker stopped in the middle (``fail_if_worker_stopped``).

    Only backends that keep results (the database backend) can tell the first; others leave the job as it is.
    """
    if fail_if_worker_stopped(job):
        job.refresh_from_db()
    if job.is_finished or not job.task_id:
        return
    try:
        result = run_import_job.get_result(job.task_id)
    except (NotImplementedError, TaskResultDoesNotExist):
        return
    if result.status == TaskResultStatus.FAILED:
        job.refresh_from_db()
        if not job.is_finished:
            job.fail("The background task failed before it could import; nothing was imported.")


def stopped_jobs():
    """Running jobs whose heartbeat (``progress_at``, written as the import goes) is older than WORKER_TIMEOUT."""
    cutoff = timezone.now() - settings.WORKER_TIMEOUT
    return (
        ImportJob.objects.filter(status=ImportJobStatus.RUNNING)
        .alias(heartbeat=Coalesce("progress_at", "started_at"))
        .filter(heartbeat__lt=cutoff)
    )


def fail_if_worker_stopped(job: ImportJob) -> bool:
    """End ``job`` as failed if its worker stopped mid-import (its heartbeat is too old); True if it did.

    Nothing was written: the import writes in one transaction, which the database rolled back when the worker's
    connection dropped. The task's result, which its dead worker left running, is marked failed with it.
    On SQLite a live import holds the database's write lock until it commits, without a heartbeat (it cannot
    write one): the update then finds the database locked, and the job is left to its worker.
    """
    if job.status != ImportJobStatus.RUNNING:
        return False
    try:
        failed = (
            stopped_jobs()
            .filter(pk=job.pk)
            .update(status=ImportJobStatus.FAILED, finished_at=timezone.now(), failure_reason=STOPPED_WORKER_MESSAGE)
        )
    except OperationalError:
        logger.info("Import job %s holds the database: its worker is alive", job.pk)
        return False
    if not failed:
        return False
    logger.warning("Import job %s lost its worker; reported failed", job.pk)
    if job.task_id:
        fail_task_results(DBTaskResult.objects.filter(id=job.task_id), STOPPED_WORKER_MESSAGE)
    job.delete_uploads()
    return True


def fail_task_results(results, message: str) -> int:
    """Mark running task results failed, as django-tasks-db would had their worker lived to (it has no way to
    notice a dead worker: a task it claimed stays RUNNING for ever)."""
    return results.filter(status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{__name__}.WorkerStopped",
        traceback=message,
        return_value=None,
    )


@dataclass
class Recovered:
    import_jobs: int = 0
    publishes: int = 0
    retrainings: int = 0
    similar_refreshes: int = 0


def recover_stopped_work() -> Recovered:
    """Deal with the tasks whose worker died (``manage.py recover_jobs``, from cron or before the workers start).

    An import killed while publishing its staged papers is published to the end (papers/importers/staging.py).
    Import jobs with a stale heartbeat are reported failed (``fail_if_worker_stopped``). A priority retraining or a
    similar-papers refresh that started more than WORKER_TIMEOUT ago and still runs is marked failed and queued
    again: both leave the app consistent when killed (a ranking's order switches in one transaction, each similar
    list is replaced in one, and the refresh's marks go only once every list is written), so a rerun completes them.
    """
    from reviews.priority import RETRAIN_TASK_PATH, queue_retraining

    recovered = Recovered()
    # An import killed while publishing its staged papers is finished (rolled forward), with no wait: the
    # staging table's lock says whether its importer is alive.
    recovered.publishes = publish_abandoned()
    if recovered.publishes and not similar_refresh_pending():
        refresh_similar_papers.enqueue()
    for job in stopped_jobs():
        recovered.import_jobs += fail_if_worker_stopped(job)
    abandoned = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - settings.WORKER_TIMEOUT
    )
    retrainings = abandoned.filter(task_path=RETRAIN_TASK_PATH)
    ranking_ids = sorted({result.args_kwargs["args"][0] for result in retrainings if result.args_kwargs.get("args")})
    fail_task_results(retrainings, "The worker stopped while retraining; the previous order stayed in use.")
    queue_retraining(ranking_ids)
    recovered.retrainings = len(ranking_ids)
    refreshes = abandoned.filter(task_path=SIMILAR_REFRESH_PATH)
    if fail_task_results(refreshes, "The worker stopped while refreshing; every list is either the old or the new."):
        if not similar_refresh_pending():
            refresh_similar_papers.enqueue()
        recovered.similar_refreshes = 1
    if recovered != Recovered():
        logger.warning("Recovered the work of stopped workers: %s", recovered)
    return recovered


# Similar papers (papers/similarity.py) after imports.


def queue_similar_refresh(report: ImportReport, *, queue: bool = True) -> str:
    """After an import, see that the similar-paper lists catch up with it; returns what happened, for the caller to
    say: "nothing" (a dry run, a failed import, no paper created or changed), "marked" (``queue`` False: the changed
    papers are marked, for the next refresh or ``compute_similar --missing-only``), "already queued", "queued",
    "done" (a backend that runs tasks at once) or "failed".

    Debounce: a refresh waiting in the queue has not read the corpus yet, so it will find this import's papers (new
    ones have no list, changed ones a mark; both written before this is called) and another would only repeat it.
    A refresh already running may have read the corpus before this import committed, so another is queued. Two
    imports ending at the same moment may both queue one; the second then finds nothing to do and stops at once.
    Errors are logged and swallowed: the import's outcome is what users see, and the next refresh catches up.
    """
    if report.dry_run or not report.ok or not report.files:
        return "nothing"
    try:
        changed = similarity.mark_stale(file.batch_id for file in report.files if file.batch_id)
        if not report.created and not changed:
            return "nothing"
        if not queue:
            return "marked"
        if similar_refresh_pending(running=False):
            return "already queued"
        result = refresh_similar_papers.enqueue()
    except Exception:
        logger.exception("Could not queue the similar papers' refresh after an import")
        return "failed"
    return {TaskResultStatus.SUCCESSFUL: "done", TaskResultStatus.FAILED: "failed"}.get(result.status, "queued")


def similar_refresh_pending(*, running: bool = True) -> bool:
    """Whether a refresh of the similar papers waits in the database backend's queue (or, with ``running``, runs).
    One query, on the queue's partial index of waiting tasks for ``running=False``; other backends queue nothing."""
    statuses = [TaskResultStatus.READY, TaskResultStatus.RUNNING] if running else [TaskResultStatus.READY]
    return DBTaskResult.objects.filter(task_path=SIMILAR_REFRESH_PATH, status__in=statuses).exists()


@task()
def refresh_similar_papers() -> dict:
    """Compute the lists of the papers without one and of those an import changed, and offer them to the others'
    lists (``similarity.refresh(missing_only=True)``); returns the counts and timings, kept with the task's result."""
    outcome = similarity.refresh(missing_only=True)
    logger.info(
        "Similar papers refreshed: %s lists computed, %s other lists took in new papers, in %.1f s",
        outcome.papers,
        outcome.updated_others,
        outcome.vectorise_seconds + outcome.neighbour_seconds,
    )
    return {
        "papers": outcome.papers,
        "updated_others": outcome.updated_others,
        "rows": outcome.rows,
        "seconds": round(outcome.vectorise_seconds + outcome.neighbour_seconds, 1),
    }


SIMILAR_REFRESH_PATH = refresh_similar_papers.module_path
