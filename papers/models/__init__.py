from .batch import ImportBatch, ImportFormat, ImportSource
from .paper import Paper

__all__ = ["ImportBatch", "ImportFormat", "ImportSource", "Paper"]
