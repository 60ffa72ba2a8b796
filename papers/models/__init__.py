from .batch import ImportBatch, ImportFormat, ImportSource
from .jobs import ImportJob, ImportJobStatus, ImportPhase
from .paper import Paper

__all__ = ["ImportBatch", "ImportFormat", "ImportJob", "ImportJobStatus", "ImportPhase", "ImportSource", "Paper"]
