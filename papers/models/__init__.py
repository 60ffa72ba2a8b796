from .batch import ImportBatch, ImportFormat, ImportSource
from .enrichment import EnrichmentAttempt
from .paper import Paper

__all__ = ["EnrichmentAttempt", "ImportBatch", "ImportFormat", "ImportSource", "Paper"]
