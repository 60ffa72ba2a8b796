from .batch import ImportBatch, ImportFormat, ImportSource
from .duplicates import DuplicateCandidate, DuplicateStatus, FoundBy, PaperAlias
from .paper import Paper

__all__ = [
    "DuplicateCandidate", "DuplicateStatus", "FoundBy", "ImportBatch", "ImportFormat", "ImportSource", "Paper",
    "PaperAlias",
]  # fmt: skip
