"""An import that runs in the background: what was uploaded, how far it got, and what it did."""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

# A report lists this many problems (and as many warnings) and counts the rest: a broken 1M-line file must not
# make a row of megabytes, and nobody reads past the first few hundred.
MAX_STORED_PROBLEMS = 200


OUTCOME_FIELDS = (
    "status",
    "finished_at",
    "record_count",
    "created_count",
    "updated_count",
    "unchanged_count",
    "skipped_count",
    "duplicate_count",
    "added_to_review_count",
    "problems",
    "problem_count",
    "warnings",
    "warning_count",
    "notes",
    "note_count",
    "failure_reason",
)


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


class ImportPhase(models.TextChoices):
    """What a running job is doing: reading and checking every file, then writing (in one transaction)."""

    WAITING = "", "Waiting for a worker"
    CHECKING = "checking", "Checking the files"
    WRITING = "writing", "Writing to the database"


class ImportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """The jobs ``user`` started: nobody sees another person's uploads or reports."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(created_by=user)


class ImportJob(models.Model):
    """Files uploaded for import, run by a background task (papers/tasks.py), with progress and the report.

    ``files`` lists ``{"name": as uploaded, "path": under IMPORT_UPLOAD_DIR, "size": bytes}``; the stored
    copies are deleted when the job ends. Progress is ``progress_done`` of ``progress_total`` in the current
    phase: bytes while checking, records while writing. The report keeps the counts, the first
    MAX_STORED_PROBLEMS problems (``FILE:LINE: reason``), warnings (records skipped) and notes (what was read
    differently from the file's letter: its encoding, say), and how many there were of each.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    files = models.JSONField(default=list)
    format = models.CharField(max_length=20, default="auto")
    dry_run = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    review = models.ForeignKey(
        "reviews.Review",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
        help_text="The review the imported papers are added to when the import succeeds.",
    )
    task_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED)
    phase = models.CharField(max_length=10, choices=ImportPhase.choices, default=ImportPhase.WAITING, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    record_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    added_to_review_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    warning_count = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True)
    note_count = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    batches = models.ManyToManyField("papers.ImportBatch", blank=True, related_name="import_jobs")

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_recent")]

    def __str__(self):
        return f"Import of {self.file_label} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("papers:import_job", args=[self.pk])

    @property
    def file_label(self) -> str:
        names = [file["name"] for file in self.files]
        if len(names) <= 2:
            return " and ".join(names) or "no file"
        return f"{names[0]} and {len(names) - 1} more files"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        """How far the current phase is, or None when there is nothing to measure yet."""
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)

    def stored_paths(self) -> list[Path]:
        return [upload_root() / file["path"] for file in self.files]

    def upload_dir(self) -> Path:
        return upload_root() / f"job-{self.pk}"

    def delete_uploads(self) -> None:
        """Remove the stored copies of the uploaded files (the report keeps their names)."""
        directory = self.upload_dir()
        for path in self.stored_paths():
            path.unlink(missing_ok=True)
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()

    def finish(self, report, added_to_review: int = 0) -> None:
        """Record an import's report (papers.importers.ImportReport) as the job's outcome."""
        self.status = ImportJobStatus.SUCCEEDED if report.ok else ImportJobStatus.FAILED
        self.finished_at = timezone.now()
        self.record_count = sum(file.record_count for file in report.files)
        self.created_count = report.created
        self.updated_count = report.updated
        self.unchanged_count = report.unchanged
        self.skipped_count = report.skipped
        self.duplicate_count = report.duplicates
        self.added_to_review_count = added_to_review
        self.problems = [str(problem) for problem in report.errors[:MAX_STORED_PROBLEMS]]
        self.problem_count = len(report.errors)
        self.warnings = [str(warning) for warning in report.warnings[:MAX_STORED_PROBLEMS]]
        self.warning_count = len(report.warnings)
        self.notes = [str(note) for note in report.notes[:MAX_STORED_PROBLEMS]]
        self.note_count = len(report.notes)
        if not report.ok:
            self.failure_reason = (
                f"{len(report.errors)} problem(s) in "
                f"{len({problem.file_name for problem in report.errors})} file(s); nothing was imported."
            )
        # Not the progress fields: the task wrote those as it went, and this object has not seen them.
        self.save(update_fields=[*OUTCOME_FIELDS])
        if report.ok and not report.dry_run:
            self.batches.set([file.batch_id for file in report.files if file.batch_id is not None])

    def fail(self, reason: str) -> None:
        """End the job as failed for a reason that is not the files' fault (a crash, a stopped worker)."""
        self.status = ImportJobStatus.FAILED
        self.finished_at = timezone.now()
        self.failure_reason = reason
        self.save(update_fields=["status", "finished_at", "failure_reason"])


def upload_root() -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR)
