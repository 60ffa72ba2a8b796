from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import models


class ImportFormat(models.TextChoices):
    ARXIV_DUMP = "arxiv-dump", "arXiv dataset dump"
    JSONL = "jsonl", "JSON Lines"
    CSV = "csv", "CSV"
    BIBTEX = "bibtex", "BibTeX"
    RIS = "ris", "RIS"
    MEDLINE = "medline", "PubMed/MEDLINE (.nbib)"


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
    duplicate_count = models.PositiveIntegerField(
        default=0, help_text="Records that turned out to be a paper another record already stood for."
    )
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
