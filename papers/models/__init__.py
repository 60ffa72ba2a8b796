from .batch import ImportBatch, ImportFormat, ImportSource
from .enrichment import EnrichmentAttempt
from .paper import Paper
from .similar import SimilarPaper

__all__ = ["EnrichmentAttempt", "ImportBatch", "ImportFormat", "ImportSource", "Paper", "SimilarPaper"]
