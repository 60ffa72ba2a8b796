"""``manage.py benchmark_similar``: how long a paper's similar papers take to read, on the corpus in the database.

Run ``manage.py compute_similar`` first (its own output gives the precomputation's time and memory). This times,
for papers drawn at random with a seed: the one query a paper's page in a review makes for its similar papers
(``reviews.similar.similar_in_review``), that query plus rendering the section, and the whole page, in a review
holding every paper (made for the run, as ``similar-benchmark``, and deleted afterwards unless --keep).

``--refresh N`` times instead what keeps the lists current after an import (papers.tasks.refresh_similar_papers):
N new synthetic papers (benchmarks/corpus_generator.py, identified by DOIs of their own so they never match a
paper already there) are imported and stay, then the refresh gives them their lists and offers them to the
others'. The corpus grows by N each such run.
"""

import json
import random
import resource
import statistics
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from benchmarks.corpus_generator import CorpusGenerator
from benchmarks.reporting import load_average, machine_description
from papers import similarity
from papers.importers import import_files
from papers.models import Paper, SimilarPaper
from reviews import annotating
from reviews.models import Membership, Review, Role
from reviews.similar import similar_in_review
from reviews.views.panels import panel_context, panel_forms

SLUG = "similar-benchmark"
TARGET_MS = 100


class Command(BaseCommand):
    help = "Time the similar papers of one paper (the stored lookup, its rendering, the whole page) at random papers."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30, help="Papers timed (30).")
        parser.add_argument("--seed", type=int, default=0, help="Which papers (0).")
        parser.add_argument("--keep", action="store_true", help=f"Keep the {SLUG} review afterwards.")
        parser.add_argument(
            "--refresh",
            type=int,
            metavar="N",
            help="Instead: import N new synthetic papers (they stay) and time the refresh of the similar papers.",
        )

    def handle(self, *args, runs=30, seed=0, keep=False, refresh=None, **options):
        if not 1 <= runs <= 10_000:
            raise CommandError("--runs must be between 1 and 10000.")
        if refresh is not None:
            if not 1 <= refresh <= 100_000:
                raise CommandError("--refresh must be between 1 and 100000.")
            self.measure_refresh(refresh, seed)
            return
        listed = list(SimilarPaper.objects.filter(rank=1).values_list("paper_id", flat=True))
        if not listed:
            raise CommandError("No similar papers are stored: run manage.py compute_similar first.")
        papers = random.Random(seed).sample(listed, min(runs, len(listed)))
        self.stdout.write("Machine:")
        for label, value in machine_description():
            self.stdout.write(f"  {label:<16} {value}")
        self.stdout.write(
            f"Corpus: {Paper.objects.count():,} papers, {SimilarPaper.objects.count():,} similar-paper rows; "
            f"{len(papers)} papers timed (seed {seed})."
        )
        review, membership = self.make_review()
        try:
            # As the main benchmark does: production's DEBUG (no query log kept), the test client's host allowed.
            with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
                self.measure(review, membership, papers)
        finally:
            if not keep:
                Review.objects.filter(pk=review.pk).delete()

    def measure_refresh(self, count: int, seed: int) -> None:
        self.stdout.write("Machine:")
        for label, value in machine_description():
            self.stdout.write(f"  {label:<16} {value}")
        if not SimilarPaper.objects.exists():
            raise CommandError("No similar papers are stored: run manage.py compute_similar first.")
        before = Paper.objects.count()
        run = uuid.uuid4().hex[:8]
        lines = (
            json.dumps(
                {
                    "doi": f"10.5555/similar-benchmark.{run}.{n}",
                    "title": record["title"],
                    "abstract": record["abstract"],
                }
            )
            for n, record in enumerate(CorpusGenerator(seed=seed + 1).records(count))
        )
        started = time.perf_counter()
        report = import_files([(f"similar-benchmark-{run}.jsonl", ("\n".join(lines) + "\n").encode())], format="jsonl")
        import_seconds = time.perf_counter() - started
        if not report.ok or report.created != count:
            raise CommandError(f"The import of the new papers went wrong: {report.counts()}")
        self.stdout.write(
            f"Corpus: {before:,} papers, then {count:,} new imported in {import_seconds:.1f} s (they stay); "
            f"load average before the refresh: {load_average()}"
        )
        started = time.perf_counter()
        cpu = time.process_time()
        # The new papers by id, as the task after the import would find them (papers without a list): the same
        # work, and a corpus whose full computation has not finished yet cannot swell it.
        batch_ids = [file.batch_id for file in report.files]
        outcome = similarity.refresh(
            paper_ids=Paper.objects.filter(import_batches__in=batch_ids).values_list("pk", flat=True)
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"Load average after the refresh: {load_average()}")
        self.stdout.write(
            f"  refresh of {count:,} new papers against {before:,}: {wall:.1f} s wall clock, {cpu:.1f} s of CPU "
            f"(this process); vectorising the corpus {outcome.vectorise_seconds:.1f} s ({outcome.terms:,} terms), "
            f"their own lists {outcome.neighbour_seconds - outcome.offer_seconds:.1f} s (writing "
            f"{outcome.write_seconds:.1f} s of it), offering them to the others' lists {outcome.offer_seconds:.1f} s "
            f"({outcome.updated_others:,} lists took one in); {outcome.rows:,} rows written; peak memory "
            f"{peak_mb:,.0f} MB"
        )

    def make_review(self):
        Review.objects.filter(slug=SLUG).delete()
        user, _ = get_user_model().objects.get_or_create(username="similar-benchmark-reviewer")
        review = Review.objects.create(slug=SLUG, title="Similar papers benchmark", blind=True, required_screeners=2)
        review.add_papers(list(Paper.objects.values_list("pk", flat=True)))
        membership = Membership.objects.create(review=review, user=user, role=Role.REVIEWER)
        membership = Membership.objects.select_related("review", "user").get(pk=membership.pk)
        return review, membership

    def measure(self, review, membership, papers):
        # A few decisions of the reviewer's own among the neighbours, so the rows show both kinds.
        for paper_id in papers[:5]:
            for similar_id in SimilarPaper.objects.of(paper_id).values_list("similar_id", flat=True)[:2]:
                annotating.decide(membership, similar_id, "include", None)
        query_ms, section_ms, page_ms, counts = [], [], [], set()
        client = Client()
        client.force_login(membership.user)
        keys = dict(Paper.objects.filter(pk__in=papers).values_list("pk", "arxiv_id"))
        for paper_id in papers[:3]:  # warm-up
            similar_in_review(membership, paper_id)
        for paper_id in papers:
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                rows = similar_in_review(membership, paper_id)
            query_ms.append((time.perf_counter() - started) * 1000)
            counts.add(len(queries))
            started = time.perf_counter()
            rows = similar_in_review(membership, paper_id)
            render_to_string(
                "reviews/_similar_papers.html",
                {**panel_context(membership, _row_of(review, paper_id)), **panel_forms(), "similar": rows},
            )
            section_ms.append((time.perf_counter() - started) * 1000)
            key = keys[paper_id] or f"paper-{paper_id}"
            started = time.perf_counter()
            response = client.get(reverse("reviews:paper", args=[review.slug, key]))
            page_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"The page of paper {paper_id} answered {response.status_code}.")
        self.stdout.write(f"Load average after the runs: {load_average()}")
        for label, timings in (
            ("similar papers: the query", query_ms),
            ("similar papers: query and rendering", section_ms),
            ("the paper's whole page in the review", page_ms),
        ):
            ordered = sorted(timings)
            p95 = ordered[max(0, int(0.95 * len(ordered) + 0.5) - 1)]
            verdict = ""
            if label.startswith("similar papers: query and"):
                verdict = f"  target < {TARGET_MS} ms: {'met' if statistics.median(timings) < TARGET_MS else 'MISSED'}"
            self.stdout.write(f"  {label:<40} median {statistics.median(timings):7.1f} ms  p95 {p95:7.1f} ms{verdict}")
        self.stdout.write(f"  SQL queries for the similar papers: {sorted(counts)}")


def _row_of(review, paper_id):
    from reviews.models import ReviewPaper

    row = ReviewPaper.objects.select_related("paper", "review").get(review=review, paper_id=paper_id)
    row.my_decision = None
    row.team_visible = False
    return row
