"""What an import did (or, on a dry run, would do), per file and in total."""

from dataclasses import dataclass, field

from .records import ImportProblem


@dataclass(slots=True)
class FileReport:
    """Counts for one file; ``batch_id`` is its ImportBatch (None on a dry run)."""

    name: str
    format: str
    sha256: str
    record_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    duplicates: int = 0
    batch_id: int | None = None

    def counts(self) -> str:
        return _counts(self.created, self.updated, self.unchanged, self.skipped, self.duplicates)


@dataclass(slots=True)
class ImportReport:
    """The outcome of import_files: when ``errors`` is not empty nothing was written and ``files`` is empty.

    ``warnings`` are the records left out (one each); ``notes`` what was read but worth knowing (the encoding
    a file was read in, a repeated citation key).
    """

    dry_run: bool = False
    files: list[FileReport] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    notes: list[ImportProblem] = field(default_factory=list)
    # Papers the import put into the review it was given (import_files' ``review``).
    added_to_review: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(file.created for file in self.files)

    @property
    def updated(self) -> int:
        return sum(file.updated for file in self.files)

    @property
    def unchanged(self) -> int:
        return sum(file.unchanged for file in self.files)

    @property
    def skipped(self) -> int:
        return sum(file.skipped for file in self.files)

    @property
    def duplicates(self) -> int:
        return sum(file.duplicates for file in self.files)

    def counts(self) -> str:
        return _counts(self.created, self.updated, self.unchanged, self.skipped, self.duplicates)

    def summary_lines(self) -> list[str]:
        """Human-readable lines: one per file, then the total."""
        lines = [f"{file.name} ({file.format}, {file.record_count} records): {file.counts()}" for file in self.files]
        prefix = "Dry run, nothing written. Would import" if self.dry_run else "Imported"
        lines.append(f"{prefix} {len(self.files)} file(s): {self.counts()}")
        return lines


def _counts(created: int, updated: int, unchanged: int, skipped: int, duplicates: int) -> str:
    counts = f"{created} created, {updated} updated, {unchanged} unchanged, {skipped} skipped"
    # Only files that held another record of a paper say so; the arXiv-only reports read as they always have.
    return f"{counts}, {duplicates} duplicate(s) merged" if duplicates else counts
