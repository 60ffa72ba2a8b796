import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from papers.duplicates import candidates_of, corpus_chunks, store
from papers.models import DuplicateCandidate, FoundBy, Paper
from reviews.paper_merging import MergeRefused, merge_papers

CERTAIN = (FoundBy.IDENTIFIER, FoundBy.TITLE_YEAR_AUTHOR)
TITLE_SHOWN = 70


class Command(BaseCommand):
    help = (
        "Run the duplicate matcher over the whole corpus: list the pairs of papers that are certainly one paper "
        "(the same DOI or PubMed id, or the same title, year and first author) or likely one (similar titles) "
        "as possible duplicates for curators and review owners, and print them. Pairs already listed, merged or "
        "rejected stay as they are. --merge-certain then merges the certain pairs (the lower id survives)."
    )
    # In this app because merging moves the reviews' annotations (reviews/paper_merging.py).

    def add_arguments(self, parser):
        parser.add_argument("--merge-certain", action="store_true", help="Merge every open certain pair.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args, merge_certain, no_progress, **options):
        total = Paper.objects.count()
        found = {kind: 0 for kind in FoundBy.values}
        with tqdm(total=total, unit="papers", disable=no_progress, file=sys.stderr, desc="find_duplicates") as bar:
            for chunk in corpus_chunks():
                new = store(candidates_of(chunk, only_higher=True, same_titles=True))
                for item in new:
                    found[item.found_by] += 1
                self._print_pairs(new)
                bar.update(len(chunk))
        listed = sum(found.values())
        certain = found[FoundBy.IDENTIFIER] + found[FoundBy.TITLE_YEAR_AUTHOR]
        self.stdout.write(
            f"Scanned {total} papers: {listed} new pair(s) listed — {certain} certain, {found[FoundBy.TITLE]} likely "
            f"(similar titles); {DuplicateCandidate.objects.open().count()} open in all."
        )
        if merge_certain:
            self._merge_certain()

    def _print_pairs(self, new) -> None:
        if not new:
            return
        papers = Paper.objects.only("arxiv_id", "version", "doi", "pmid", "title").in_bulk(
            {pk for item in new for pk in (item.low, item.high)}
        )
        for item in new:
            kind = "certain" if item.found_by in CERTAIN else "likely"
            first, second = papers[item.low], papers[item.high]
            self.stdout.write(f"{kind} {item.score:5.1f}  {_label(first)}  ~  {_label(second)}")

    def _merge_certain(self) -> None:
        merged = refused = 0
        skipped = set()
        while True:
            pair = DuplicateCandidate.objects.open().filter(found_by__in=CERTAIN).exclude(pk__in=skipped).first()
            if pair is None:
                break
            try:
                result = merge_papers(pair.paper_a_id, pair.paper_b_id)
            except MergeRefused as refusal:
                skipped.add(pair.pk)
                refused += 1
                self.stderr.write(f"Not merged: {pair}: {refusal.message}")
                continue
            merged += 1
            self.stdout.write(f"merged {result.merged_display_id} into {_label(result.survivor)}")
        self.stdout.write(f"Merged {merged} certain pair(s); {refused} refused.")


def _label(paper: Paper) -> str:
    title = " ".join(paper.title.split())
    if len(title) > TITLE_SHOWN:
        title = title[: TITLE_SHOWN - 1] + "…"
    return f"{paper.display_id} “{title}”" if title else paper.display_id
