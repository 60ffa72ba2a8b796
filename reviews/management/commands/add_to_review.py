from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from papers.identity import normalize_doi, normalize_pmid
from papers.importers.fields import read_arxiv_id
from papers.models import ImportBatch, Paper
from papers.models.paper import KEY_PREFIX
from reviews.models import Review

# The column each kind of id in an ids file is looked up in.
ID_COLUMNS = {"key": "pk", "arxiv": "arxiv_id", "doi": "doi", "pmid": "pmid"}


class Command(BaseCommand):
    help = (
        "Put papers into a review: every paper, the papers of import batches (`latest` for the newest), "
        "or the papers listed in a file, one a line: arXiv ids, DOIs, PubMed ids (PMID:123 or 123) or paper-<id> keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("review", metavar="SLUG", help="The review's slug.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--all", action="store_true", help="Every paper in the corpus.")
        source.add_argument("--batch", nargs="+", metavar="ID", help="Import batch ids, or `latest`.")
        source.add_argument(
            "--ids", metavar="FILE", help="A file of arXiv ids, DOIs, PubMed ids or paper-<id> keys, one a line."
        )

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
            papers = Paper.objects.filter(pk__in=self._ids_from(ids))
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

    def _ids_from(self, path) -> list[int]:
        """The row ids of the papers the file names; every line must name one paper in the corpus."""
        try:
            lines = Path(path).read_text(encoding="utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot read: {error}") from error
        wanted, problems = [], []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                wanted.append(_paper_id(line.strip()))
            except InvalidArxivId as error:
                problems.append(f"{path}:{number}: {error} (nor is it a DOI, a PubMed id or a paper-<id> key)")
        if problems:
            raise CommandError("\n".join(problems) + "\nNothing was added.")
        condition = Q()
        for kind, column in ID_COLUMNS.items():
            if values := {value for wanted_kind, value in wanted if wanted_kind == kind}:
                condition |= Q(**{f"{column}__in": values})
        found = {}
        if condition:
            for paper in Paper.objects.filter(condition).only(*(ID_COLUMNS.values())):
                for kind, column in ID_COLUMNS.items():
                    if value := getattr(paper, column):
                        found.setdefault((kind, value), paper.pk)
        unknown = [_shown(kind, value) for kind, value in wanted if (kind, value) not in found]
        if unknown:
            raise CommandError(
                f"{path}: {len(unknown)} id(s) are not in the corpus (import them first): "
                + ", ".join(sorted(unknown)[:10])
                + ("…" if len(unknown) > 10 else "")
                + "\nNothing was added."
            )
        return [found[item] for item in wanted]


def _paper_id(text: str) -> tuple[str, object]:
    """``(kind, value)`` for one line: a paper-<id> key, an arXiv id (or arXiv DOI or URL), a DOI, or a PMID."""
    number = text.removeprefix(KEY_PREFIX)
    if text.startswith(KEY_PREFIX) and number.isdigit() and len(number) <= 18:
        return "key", int(number)
    try:
        return "arxiv", parse_arxiv_id(text).canonical
    except InvalidArxivId as error:
        not_arxiv = error
    if doi := normalize_doi(text):
        try:
            # arXiv's own DOI (10.48550/arXiv.2201.11903) names the arXiv paper.
            return "arxiv", read_arxiv_id(doi).canonical
        except InvalidArxivId:
            return "doi", doi
    if pmid := normalize_pmid(text):
        return "pmid", pmid
    try:
        return "arxiv", read_arxiv_id(text).canonical  # an arXiv URL
    except InvalidArxivId:
        raise not_arxiv from None


def _shown(kind: str, value) -> str:
    return {"key": f"{KEY_PREFIX}{value}", "doi": f"doi:{value}", "pmid": f"PMID:{value}"}.get(kind, str(value))
