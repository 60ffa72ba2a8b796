from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from papers.models import ImportBatch, Paper
from reviews.models import Review


class Command(BaseCommand):
    help = (
        "Put papers into a review: every paper, the papers of import batches (`latest` for the newest), "
        "or the arXiv ids listed in a file (one a line)."
    )

    def add_arguments(self, parser):
        parser.add_argument("review", metavar="SLUG", help="The review's slug.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--all", action="store_true", help="Every paper in the corpus.")
        source.add_argument("--batch", nargs="+", metavar="ID", help="Import batch ids, or `latest`.")
        source.add_argument("--ids", metavar="FILE", help="A file of arXiv ids, one a line.")

    def handle(self, *args, review, all, batch, ids, **options):
        try:
            target = Review.objects.get(slug=review)
        except Review.DoesNotExist:
            raise CommandError(f"No review with the slug {review!r}.") from None
        if all:
            papers = Paper.objects.all()
        elif batch:
            papers = Paper.objects.filter(import_batches__in=self._batches(batch)).distinct()
        else:
            papers = Paper.objects.filter(arxiv_id__in=self._ids_from(ids))
        selected = papers.count()
        added = target.add_papers(papers)
        self.stdout.write(f"Added {added} paper(s) to “{target}”; {selected - added} were already in it.")

    def _batches(self, values):
        if values == ["latest"]:
            latest = ImportBatch.objects.order_by("-imported_at", "-id").first()
            if latest is None:
                raise CommandError("There are no import batches yet.")
            return [latest]
        try:
            wanted = {int(value) for value in values}
        except ValueError:
            raise CommandError("--batch takes import batch ids (numbers) or `latest`.") from None
        found = list(ImportBatch.objects.filter(pk__in=wanted))
        if missing := wanted - {b.pk for b in found}:
            raise CommandError(f"No import batch with id {', '.join(map(str, sorted(missing)))}.")
        return found

    def _ids_from(self, path):
        try:
            lines = Path(path).read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot read: {error}") from error
        canonical, problems = [], []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                canonical.append(parse_arxiv_id(line).canonical)
            except InvalidArxivId as error:
                problems.append(f"{path}:{number}: {error}")
        if problems:
            raise CommandError("\n".join(problems) + "\nNothing was added.")
        unknown = set(canonical) - set(Paper.objects.filter(arxiv_id__in=canonical).values_list("arxiv_id", flat=True))
        if unknown:
            raise CommandError(
                f"{path}: {len(unknown)} id(s) are not in the corpus (import them first): "
                + ", ".join(sorted(unknown)[:10])
                + ("…" if len(unknown) > 10 else "")
                + "\nNothing was added."
            )
        return canonical
