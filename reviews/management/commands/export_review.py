"""``manage.py export_review SLUG --format csv|jsonl|bibtex|ris [--output FILE] [--as USERNAME] [--filter QUERY]``."""

import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from reviews.exporting import FORMATS, EverythingView, ExportRefused, export_pieces, prepare
from reviews.models import Membership, Review


class Command(BaseCommand):
    help = (
        "Export a review — all of it, or the review list's view for a query string — as CSV, JSONL (the archive "
        "import_review restores), BibTeX or RIS, to standard output or a file. Without --as it holds everything, "
        "as an owner sees it; with --as USERNAME, what that member may see (blind mode and roles)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The review's slug (its address: /reviews/<slug>/).")
        parser.add_argument("--format", required=True, dest="fmt", help=f"One of: {', '.join(FORMATS)}.")
        parser.add_argument(
            "--output", help="Write to this file (replaced only once the export is complete). Default: stdout."
        )
        parser.add_argument("--as", dest="username", help="Export what this member of the review may see.")
        parser.add_argument(
            "--filter",
            default="",
            help='The review list\'s query string, e.g. "decision=include&tags=3" or "q=transformer&unscreened=on": '
            "exports exactly that view, in the list's order.",
        )

    def handle(self, *args, slug: str, fmt: str, output: str | None, username: str | None, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review has the slug “{slug}”.")
        viewer = self._viewer(review, username) if username else EverythingView(review)
        try:
            export = prepare(viewer, fmt, QueryDict(options["filter"].lstrip("?")), strict=True)
        except ExportRefused as refusal:
            raise CommandError(refusal.message) from None
        if output is None:
            for piece in export_pieces(export, fmt):
                self.stdout.write(piece, ending="")
            self.stdout.flush()
            return
        self._write_file(Path(output), export_pieces(export, fmt))
        self.stderr.write(f"Wrote {output}.")

    def _viewer(self, review: Review, username: str) -> Membership:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called “{username}”.")
        membership = Membership.objects.select_related("review", "user").filter(review=review, user=user).first()
        if membership is None:
            raise CommandError(f"{username} is not a member of the review “{review.slug}”: only members can export it.")
        return membership

    def _write_file(self, path: Path, pieces) -> None:
        """Write to a temporary file beside ``path`` and rename it into place, so a failed export leaves no
        partial file (and an existing one untouched)."""
        directory = path.resolve().parent
        if not directory.is_dir():
            raise CommandError(f"{path}: the folder {directory} does not exist.")
        if path.is_dir():
            raise CommandError(f"{path} is a folder: name the file to write.")
        try:
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
        except OSError as error:
            raise CommandError(f"{path}: cannot write in {directory} ({error.strerror}).") from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                for piece in pieces:
                    file.write(piece)
            os.replace(temporary, path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise CommandError(f"{path}: {error.strerror or error}; nothing written.") from None
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
