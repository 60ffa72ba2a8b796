"""Importing papers from arXiv dataset dumps, JSONL, CSV (and review tools' tables), BibTeX, RIS and MEDLINE files."""

from .records import ImportProblem, PaperRecord, ParsedFile
from .report import FileReport, ImportReport
from .sources import parse_source
from .upsert import import_files

__all__ = ["FileReport", "ImportProblem", "ImportReport", "PaperRecord", "ParsedFile", "import_files", "parse_source"]
