"""``manage.py benchmark_similar``: how long a paper's similar papers take to read, on the corpus in the database.

Run ``manage.py compute_similar`` first (its own output gives the precomputation's time and memory). This times,
for papers drawn at random with a seed: the one query a paper's page in a review makes for its similar papers
(``reviews.similar.similar_in_review``), that query plus rendering the section, and the whole page, in a review
holding every paper (made for the run, as ``similar-benchmark``, and deleted afterwards unless --keep).
"""

import random
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from benchmarks.reporting import load_average, machine_description
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

    def handle(self, *args, runs=30, seed=0, keep=False, **options):
        if not 1 <= runs <= 10_000:
            raise CommandError("--runs must be between 1 and 10000.")
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
