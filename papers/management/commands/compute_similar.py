"""``manage.py compute_similar``: store each paper's ten most similar papers (papers/similarity.py)."""

import os
import resource

from django.core.management.base import BaseCommand, CommandError

from papers.models import Paper
from papers.similarity import NEIGHBOURS, refresh


class Command(BaseCommand):
    help = (
        f"Compute and store each paper's {NEIGHBOURS} most similar papers (TF-IDF cosine over title and abstract). "
        "Without options, every paper (a full recompute); --missing-only after an import, for the papers without "
        "a list yet or changed by an import since theirs was computed, which also enter the older papers' lists "
        "where they rank (what the task an import queues does)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--papers", nargs="+", metavar="KEY", help="Only these papers (arXiv id, DOI, PMID or key).")
        which.add_argument(
            "--missing-only",
            action="store_true",
            help="Only papers with a title or abstract and no stored list, and papers an import changed since.",
        )
        parser.add_argument(
            "--batch",
            type=int,
            metavar="N",
            help="Papers compared with the corpus at once (default: as many as fit 64 MB of similarities).",
        )

    def handle(self, *args, papers=None, missing_only=False, batch=None, verbosity=1, **options):
        if batch is not None and not 1 <= batch <= 100_000:
            raise CommandError(f"--batch must be between 1 and 100000, not {batch}.")
        paper_ids = None
        if papers:
            paper_ids = []
            for key in papers:
                found = list(Paper.objects.named(key).values_list("pk", flat=True)[:2])
                if not found:
                    raise CommandError(f"No paper in the corpus is named {key!r}.")
                paper_ids.extend(found)
        report_every = max(1, Paper.objects.count() // 20)
        next_report = [report_every]

        def progress(done: int, total: int) -> None:
            if verbosity >= 2 or (verbosity >= 1 and (done >= next_report[0] or done == total)):
                self.stdout.write(f"  {done:,} of {total:,} papers")
                while next_report[0] <= done:
                    next_report[0] += report_every

        outcome = refresh(paper_ids=paper_ids, missing_only=missing_only, batch=batch, progress=progress)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(
            f"Similar papers: {outcome.papers:,} lists computed, {outcome.updated_others:,} other lists took in "
            f"new papers, {outcome.rows:,} rows written. Vectorising {outcome.vectorise_seconds:.1f} s "
            f"({outcome.terms:,} terms), neighbours {outcome.neighbour_seconds:.1f} s "
            f"(writing {outcome.write_seconds:.1f} s of it); peak memory {peak_mb:,.0f} MB; load average {load}."
        )
