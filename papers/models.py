from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

from .arxiv_ids import ArxivId
from .querysets import PaperQuerySet


class ImportFormat(models.TextChoices):
    ARXIV_DUMP = "arxiv-dump", "arXiv dataset dump"
    JSONL = "jsonl", "JSON Lines"
    CSV = "csv", "CSV"
    BIBTEX = "bibtex", "BibTeX"
    RIS = "ris", "RIS"


class ImportBatch(models.Model):
    """One file brought in by ``import_papers`` (or the admin upload), with what it did."""

    file_name = models.CharField(max_length=500)
    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    record_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batches"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"{self.file_name} ({self.get_format_display()}, {self.imported_at:%Y-%m-%d %H:%M})"


@dataclass
class ImportSource:
    """One distinct file a paper came from: its first import, and how often the same bytes came again."""

    first: ImportBatch
    reimports: int = 0
    last_imported_at: datetime | None = None


class Paper(models.Model):
    """An abstract record, keyed on its canonical arXiv id (no version)."""

    arxiv_id = models.CharField("arXiv id", max_length=40)
    version = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Latest version seen (the N of vN), if any source named one."
    )
    abstract = models.TextField(blank=True, help_text="Exactly as imported.")
    title = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True, help_text="Author names, in order.")
    primary_category = models.CharField(max_length=40, blank=True)
    doi = models.CharField("DOI", max_length=255, blank=True)
    url = models.URLField("URL", max_length=500, blank=True)
    submitted_month = models.DateField(null=True, blank=True, help_text="Month of first submission, from the id.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    import_batches = models.ManyToManyField(ImportBatch, related_name="papers", blank=True)
    search_document = SearchVectorField(
        null=True,
        editable=False,
        help_text="Title (weight A) and abstract (weight B) as a tsvector; PostgreSQL's trigger keeps it current.",
    )

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_month", "-arxiv_id"]
        # Constraints and indexes are declared here rather than with unique=/db_index= on the fields, which on
        # PostgreSQL would add varchar_pattern_ops copies that no query uses and every import must maintain.
        constraints = [models.UniqueConstraint(fields=["arxiv_id"], name="paper_arxiv_id_unique")]
        indexes = [
            models.Index(fields=["primary_category"], name="paper_category"),
            # Serves the default order and month ranges; it carries the id, so deep pages find their 25 ids by
            # an index-only scan.
            models.Index(fields=["-submitted_month", "-arxiv_id"], include=["id"], name="paper_month_id_desc_cover"),
        ]

    def __str__(self):
        return self.title or self.arxiv_id

    def save(self, *args, **kwargs):
        if self.submitted_month is None and self.arxiv_id:
            self.submitted_month = ArxivId(self.arxiv_id, None).submitted_month
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("papers:detail", args=[self.arxiv_id])

    @property
    def versioned_id(self) -> str:
        return self.arxiv_id if self.version is None else f"{self.arxiv_id}v{self.version}"

    def import_sources(self) -> list[ImportSource]:
        """The files this paper was imported from, oldest first; identical files (same sha256 and format) are one.

        Every import batch stays linked to every paper its file held (``add_to_review --batch`` relies on it),
        so re-importing a file links it again; the paper page reports that as a re-import, not a new source.
        Uses ``import_batches.all()``, so a prefetch serves it.
        """
        sources: dict[tuple[str, str], ImportSource] = {}
        for batch in sorted(self.import_batches.all(), key=lambda batch: (batch.imported_at, batch.pk)):
            source = sources.setdefault((batch.sha256, batch.format), ImportSource(first=batch))
            if source.first is not batch:
                source.reimports += 1
                source.last_imported_at = batch.imported_at
        return list(sources.values())

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def web_url(self) -> str:
        """The URL if it is an http(s) address (the only kind a page may link to), else ``""``."""
        return self.url if self.url.lower().startswith(("http://", "https://")) else ""
