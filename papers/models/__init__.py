from .batch import ImportBatch, ImportFormat, ImportSource
from .duplicates import DuplicateCandidate, DuplicateStatus, FoundBy, PaperAlias
from .enrichment import EnrichmentAttempt
from .jobs import ImportJob, ImportJobStatus, ImportPhase
from .paper import Paper
from .similar import SimilarPaper, StaleSimilarList

__all__ = [
    "DuplicateCandidate", "DuplicateStatus", "EnrichmentAttempt", "FoundBy", "ImportBatch", "ImportFormat",
    "ImportJob", "ImportJobStatus", "ImportPhase", "ImportSource", "Paper", "PaperAlias", "SimilarPaper",
    "StaleSimilarList",
]  # fmt: skip
