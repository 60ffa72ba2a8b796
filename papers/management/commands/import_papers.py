"""``manage.py import_papers PATH [PATH ...]``: bring papers in from dumps, JSONL, CSV, BibTeX, RIS or MEDLINE."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.importers import import_files
from papers.importers.detect import FORMATS
from papers.tasks import queue_similar_refresh

# What the import says about the similar papers' refresh (papers.tasks.queue_similar_refresh), by its outcome.
SIMILAR_MESSAGES = {
    "queued": "Similar papers: a refresh is queued; the task worker (manage.py db_worker) computes it.",
    "already queued": "Similar papers: a refresh already queued will take these papers in.",
    "done": "Similar papers: refreshed.",
    "marked": "Similar papers: not refreshed (--no-similar); manage.py compute_similar --missing-only does it.",
    "failed": "Similar papers: the refresh failed (see the log); manage.py compute_similar --missing-only does it.",
}


class Command(BaseCommand):
    help = (
        "Import papers from arXiv dataset dumps, JSONL, CSV (ASReview, Rayyan, Scopus, Embase, Web of Science), "
        "BibTeX, RIS or PubMed/MEDLINE (.nbib) files. Every file is validated first; if any has a problem, all "
        "problems are listed and nothing is written (with --skip-invalid, records with a problem are left out)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files to import.")
        parser.add_argument(
            "--format", default="auto", choices=["auto", *FORMATS], help="File format (default: detect it)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and count, but write nothing.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid records and list each record left out as FILE:LINE (a file that cannot be "
            "read at all still fails).",
        )
        parser.add_argument(
            "--no-similar",
            action="store_true",
            help="Do not queue the refresh of the similar papers (by default the task worker computes the lists of "
            "the papers created or changed, and offers them to the older papers' lists).",
        )

    def handle(self, *args, paths, format, dry_run, skip_invalid, no_similar=False, **options):
        sources = []
        for path in paths:
            # A path that is not UTF-8 arrives with surrogates standing for its bytes; they cannot be printed
            # or stored as the batch's file name, so the name shows those bytes escaped.
            name = os.fsencode(path).decode("utf-8", "backslashreplace")
            # The importer streams each file from disk (read twice: checked, then written), never whole.
            try:
                with Path(path).open("rb"):
                    sources.append((name, Path(path)))
            except OSError as error:
                raise CommandError(f"{name}: cannot read: {error.strerror}") from error
        report = import_files(
            sources, format=format, dry_run=dry_run, progress=self.stderr.isatty(), skip_invalid=skip_invalid
        )
        for note in report.notes:
            self.stderr.write(f"{note} (note)")
        for warning in report.warnings:
            self.stderr.write(str(warning), style_func=self.style.WARNING)
        if not report.ok:
            for problem in report.errors:
                self.stderr.write(str(problem))
            hint = "" if skip_invalid else " (--skip-invalid imports the other records)"
            raise CommandError(
                f"{len(report.errors)} problem(s) in {len({p.file_name for p in report.errors})} file(s); "
                f"nothing was imported{hint}."
            )
        for line in report.summary_lines():
            self.stdout.write(line)
        if message := SIMILAR_MESSAGES.get(queue_similar_refresh(report, queue=not no_similar)):
            self.stdout.write(message)
