"""``manage.py import_papers PATH [PATH ...]``: bring papers in from dumps, JSONL, CSV, BibTeX or RIS."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.importers import import_files
from papers.importers.detect import FORMATS


class Command(BaseCommand):
    help = (
        "Import papers from arXiv dataset dumps, JSONL, CSV, BibTeX or RIS files. Every file is validated "
        "first; if any has a problem, all problems are listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files to import.")
        parser.add_argument(
            "--format", default="auto", choices=["auto", *FORMATS], help="File format (default: detect it)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and count, but write nothing.")

    def handle(self, *args, paths, format, dry_run, **options):
        sources = []
        for path in paths:
            # A path that is not UTF-8 arrives with surrogates standing for its bytes; they cannot be printed
            # or stored as the batch's file name, so the name shows those bytes escaped.
            name = os.fsencode(path).decode("utf-8", "backslashreplace")
            try:
                sources.append((name, Path(path).read_bytes()))
            except OSError as error:
                raise CommandError(f"{name}: cannot read: {error.strerror}") from error
        report = import_files(sources, format=format, dry_run=dry_run, progress=self.stderr.isatty())
        for warning in report.warnings:
            self.stderr.write(str(warning), style_func=self.style.WARNING)
        if not report.ok:
            for problem in report.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(report.errors)} problem(s) in {len({p.file_name for p in report.errors})} file(s); "
                "nothing was imported."
            )
        for line in report.summary_lines():
            self.stdout.write(line)
