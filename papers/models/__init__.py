from .batch import ImportBatch, ImportFormat, ImportSource
from .duplicates import DuplicateCandidate, DuplicateStatus, FoundBy, PaperAlias
from .enrichment import EnrichmentAttempt
from .paper import Paper

__all__ = [
    "DuplicateCandidate", "DuplicateStatus", "EnrichmentAttempt", "FoundBy", "ImportBatch", "ImportFormat",
    "ImportSource", "Paper", "PaperAlias",
]  # fmt: skip
