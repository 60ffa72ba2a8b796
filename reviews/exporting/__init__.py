"""Exporting a review — all of it, or the list's filtered view — as CSV, JSONL (the archive), BibTeX or RIS.

``export_pieces(viewer, fmt, query)`` yields the file in pieces, a chunk of papers each, read inside one
transaction so that the whole file is one consistent snapshot (the archive's header counts the lines that
follow). The browser view and ``manage.py export_review`` both stream it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from . import bibtex_format, csv_format, jsonl_format, ris_format
from .rows import EverythingView, Export, ExportRefused

FORMATS = {
    "csv": csv_format,
    "jsonl": jsonl_format,
    "bibtex": bibtex_format,
    "ris": ris_format,
}
__all__ = ["FORMATS", "EverythingView", "Export", "ExportRefused", "export_pieces", "filename"]


def filename(slug: str, fmt: str, today: date | None = None, *, view: bool = False) -> str:
    """``<slug>-<date>.<ext>``, or ``<slug>-view-<date>.<ext>`` for the list's filtered or sorted view, so that
    downloading both does not overwrite the whole review with a part of it."""
    return f"{slug}{'-view' if view else ''}-{(today or timezone.localdate()).isoformat()}.{FORMATS[fmt].EXTENSION}"


def prepare(viewer, fmt: str, query: QueryDict | None = None, *, strict: bool = False) -> Export:
    """The export, checked before anything is written: raises ExportRefused for an unknown format, and if
    ``strict`` for a filter value the review list refuses (which the list, and so the browser's export, leaves out)."""
    if fmt not in FORMATS:
        raise ExportRefused(f"Unknown export format “{fmt}”: choose one of {', '.join(FORMATS)}.")
    return Export(viewer, query, archive=fmt == "jsonl", strict=strict)


def export_pieces(export: Export, fmt: str) -> Iterator[str]:
    """The file's text in pieces, read from one snapshot of the database."""
    with snapshot():
        yield from FORMATS[fmt].write(export)


@contextmanager
def snapshot():
    """A read transaction that sees one state of the database throughout. On PostgreSQL, REPEATABLE READ READ
    ONLY. On SQLite a plain deferred BEGIN: the settings make Django's transactions IMMEDIATE, which would hold
    the write lock for the whole download, while a deferred one in WAL mode reads one snapshot and lets writers
    on. Inside a caller's transaction, the export is part of it."""
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")  # it wrote nothing
    else:
        with transaction.atomic():
            yield
