from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.importing import ImportRefused
from reviews.importing.archive import read_archive
from reviews.importing.restore import parse_user_map, restore_review
from reviews.importing.screening_exports import SOURCES, import_screening

# Reading a file whole is fine up to here; a review archive or a screening export is far smaller.
MAX_FILE_BYTES = 2 * 1024**3


class Command(BaseCommand):
    help = (
        "Restore a review from its archive (export_review --format jsonl) into this installation, or bring in "
        "one reviewer's screening from an ASReview or Rayyan export (--from asreview|rayyan --as USER --into SLUG)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--from",
            dest="source",
            choices=["marginalia", *SOURCES],
            default="marginalia",
            help="What wrote FILE: a Marginalia review archive (the default), ASReview or Rayyan.",
        )
        parser.add_argument(
            "--map-user",
            action="append",
            default=[],
            metavar="OLD=NEW",
            help="Archive: the user called OLD in the file is NEW here (repeat for several).",
        )
        parser.add_argument("--slug", help="Archive: restore under this slug instead of the file's.")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="ASReview/Rayyan: whose decisions.")
        parser.add_argument("--into", metavar="SLUG", help="ASReview/Rayyan: the review to add the records to.")
        parser.add_argument(
            "--reviewer", metavar="NAME", help="Rayyan: whose decisions, when the file holds several reviewers'."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count everything, write nothing.")

    def handle(self, *args, file, source, map_user, slug, as_user, into, reviewer, dry_run, **options):
        path = Path(file)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{file}: larger than {MAX_FILE_BYTES} bytes")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: cannot read: {error.strerror or error}") from None
        try:
            if source == "marginalia":
                if as_user or into or reviewer:
                    raise CommandError(
                        "--as, --into and --reviewer are for --from asreview or rayyan; an archive names its users"
                    )
                archive = read_archive(path.name, data)
                report = restore_review(archive, user_map=parse_user_map(map_user), slug=slug, dry_run=dry_run)
            else:
                if map_user or slug:
                    raise CommandError("--map-user and --slug are for review archives (--from marginalia)")
                if not as_user or not into:
                    raise CommandError(f"--from {source} needs --as USERNAME (whose decisions) and --into SLUG")
                report = import_screening(
                    source, path.name, data, username=as_user, slug=into, dry_run=dry_run, reviewer=reviewer
                )
        except ImportRefused as refused:
            raise CommandError("\n".join(["Nothing was imported:", *refused.problems])) from None
        for line in report.summary_lines():
            self.stdout.write(line)
