"""``manage.py benchmark_priority``: the priority order of issue 10 on the app's own paths, at corpus scale.

It builds an open review over the database's first ``papers`` papers with ``decisions`` decisions of one reviewer
(written through ``annotating.bulk_annotate``), then times

- ``priority.retrain()`` end to end, step by step, three times: the features vectorised (an empty cache), read
  from the worker's memory, and read from the disk cache (the memory emptied, as a worker restart leaves it);
- the review list sorted by priority (the test client's GET, as ``manage.py benchmark`` times the other lists):
  page 1 and a deep page, with and without "not yet screened by me", beside the default order;
- screening mode's next paper in the priority order.

``benchmarks/ranking_benchmark.py`` times the model alone, without the database.
"""

import io
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from papers.models import Paper
from papers.views import PAPERS_PER_PAGE
from reviews import annotating, priority, priority_features
from reviews.models import (
    DecisionChoice,
    Membership,
    PriorityRanking,
    PriorityScore,
    Review,
    ReviewPaper,
    Role,
    ScreeningDecision,
)

from .corpus_generator import CorpusGenerator, write_jsonl
from .reporting import (
    Report,
    Scenario,
    Target,
    captured_queries,
    current_load,
    explain_analyze,
    load_label,
    shorten,
    time_scenario,
)

SLUG = "priority-benchmark"
OWNER, REVIEWER = "bench-priority-owner", "bench-priority-reviewer"
# The targets at 100,000 papers and 2,000 decisions.
RETRAIN_TARGET_S = 10.0
RANK_TARGET_S = 5.0
LIST_TARGET_MS = 100
SCREEN_TARGET_MS = 50
# The reviewer includes papers about this (a tenth to a fifth of the generated corpus), so the model has
# something to learn and the order something to show.
INCLUDE_TOPIC = "retrieval"
STEPS = ("claim", "labels", "features", "fit", "rank", "write", "switch")
# How far into the list the deep page lies.
DEEP_FRACTION = 0.9


@dataclass
class RetrainRun:
    """One ``retrain()``: wall and CPU seconds of each step, in the order they ended."""

    name: str
    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    load: float | None = None

    @property
    def total(self) -> float:
        return sum(self.wall.values())


class PriorityBenchmark:
    def __init__(self, report: Report, *, papers: int, decisions: int, runs: int, warmup: int, seed: int = 0):
        self.report = report
        self.papers, self.decisions, self.runs, self.warmup, self.seed = papers, decisions, runs, warmup, seed

    def run(self) -> list[Target]:
        review, reviewer = self.build()
        cache = tempfile.mkdtemp(prefix="marginalia-priority-bench-")
        try:
            # Its own feature cache, empty at first: the first retraining must vectorise, and nothing is left behind.
            with override_settings(PRIORITY_CACHE_DIR=cache):
                targets = self.measure_retraining(review)
            self.client = Client()
            self.client.force_login(reviewer)
            targets += self.measure_list(review)
            targets += self.measure_screening(review, reviewer)
            if connection.vendor == "postgresql":
                self.explain(review)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        return targets

    # 1. Setup ------------------------------------------------------------------------------------------------

    def build(self):
        """The open review over the first ``papers`` papers, an owner and a reviewer, and the reviewer's
        ``decisions`` decisions (includes: the papers about ``INCLUDE_TOPIC``)."""
        paper_ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True)[: self.papers])
        if len(paper_ids) < self.papers:
            raise CommandError(f"The database holds {len(paper_ids):,} papers, fewer than --papers {self.papers:,}.")
        if self.decisions > len(paper_ids):
            raise CommandError(f"--decisions {self.decisions:,} is more than the {len(paper_ids):,} papers.")
        self.report.heading(
            f"Setup: an open review of {len(paper_ids):,} papers, {self.decisions:,} decisions by one reviewer"
        )
        started = step = time.perf_counter()

        def lap(what: str) -> None:
            nonlocal step
            now = time.perf_counter()
            self.report.write(f"  {what:<80} {now - step:6.1f}s")
            step = now

        Review.objects.filter(slug=SLUG).delete()
        users = get_user_model().objects
        owner, reviewer = (users.get_or_create(username=name)[0] for name in (OWNER, REVIEWER))
        review = Review.objects.create(
            slug=SLUG, title="Benchmark: priority order", blind=False, required_screeners=1, screen_by_priority=True
        )
        Membership.objects.bulk_create(
            [Membership(review=review, user=owner, role=Role.OWNER), Membership(review=review, user=reviewer)]
        )
        # The first papers by id: one INSERT … SELECT, and no list of ids too long for SQLite's parameters.
        review.add_papers(Paper.objects.filter(pk__lte=paper_ids[-1]))
        lap(f"review, owner and reviewer, Review.add_papers() of {len(paper_ids):,} papers")

        chosen = random.Random(self.seed).sample(paper_ids, self.decisions)
        texts = Paper.objects.filter(pk__in=chosen).values_list("pk", "title", "abstract")
        includes = {pk for pk, title, abstract in texts.iterator() if INCLUDE_TOPIC in f"{title} {abstract}".lower()}
        decisions = [
            ScreeningDecision(
                review=review,
                paper_id=paper_id,
                user=reviewer,
                decision=DecisionChoice.INCLUDE if paper_id in includes else DecisionChoice.EXCLUDE,
            )
            for paper_id in chosen
        ]
        annotating.bulk_annotate(review, decisions=decisions)
        lap(
            f"annotating.bulk_annotate: {len(decisions):,} decisions ({len(includes):,} includes, "
            f"about {INCLUDE_TOPIC!r})"
        )
        analyze()
        lap("ANALYZE")
        self.report.write(f"  setup took {time.perf_counter() - started:.1f}s in all")
        return review, reviewer

    # 2. Retraining -------------------------------------------------------------------------------------------

    def measure_retraining(self, review: Review) -> list[Target]:
        ranking, _ = PriorityRanking.objects.get_or_create(review=review, user=None)
        self.report.heading(
            f"priority.retrain() of the team's ranking: {self.papers:,} papers, {self.decisions:,} decisions, "
            "seconds per step (wall; CPU of this process in brackets)"
        )
        runs = []
        for name, forget_memory in (
            ("first (vectorises)", True),
            ("features in memory", False),
            ("features from disk", True),
        ):
            if forget_memory:
                priority_features._in_memory.clear()
            runs.append(self.retrain_once(name, ranking.pk))
        self.print_retraining(runs)
        ranking.refresh_from_db()
        if not ranking.ready:
            raise CommandError(f"The ranking did not come out ready: {ranking.reason or ranking.error}")
        scores = PriorityScore.objects.filter(ranking=ranking, generation=ranking.generation).count()
        self.report.write(
            f"  generation {ranking.generation}: {scores:,} scores ({ranking.includes:,} includes and "
            f"{ranking.excludes:,} excludes learned); earlier generations left: "
            f"{PriorityScore.objects.filter(ranking=ranking).exclude(generation=ranking.generation).count()}"
        )
        analyze()
        cached = runs[1]
        ranking_s = sum(cached.wall[step] for step in ("rank", "write", "switch"))
        return [
            Target("retrain(), features vectorised", f"{runs[0].total:.2f} s", "", None, runs[0].load),
            Target(
                "retrain(), features in memory",
                f"{cached.total:.2f} s",
                f"< {RETRAIN_TARGET_S:.0f} s",
                cached.total < RETRAIN_TARGET_S,
                cached.load,
            ),
            Target(
                "retrain(), features from disk",
                f"{runs[2].total:.2f} s",
                f"< {RETRAIN_TARGET_S:.0f} s",
                runs[2].total < RETRAIN_TARGET_S,
                runs[2].load,
            ),
            Target(
                "  ranking every paper (rank, write, switch)",
                f"{ranking_s:.2f} s",
                f"< {RANK_TARGET_S:.0f} s",
                ranking_s < RANK_TARGET_S,
                cached.load,
            ),
        ]

    def retrain_once(self, name: str, ranking_id: int) -> RetrainRun:
        run = RetrainRun(name)
        clock = [time.perf_counter(), time.process_time()]

        def lap(step: str) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            run.wall[step], run.cpu[step] = wall - clock[0], cpu - clock[1]
            clock[:] = [wall, cpu]

        priority.retrain(ranking_id, lap=lap)
        run.load = current_load()
        return run

    def print_retraining(self, runs: list[RetrainRun]) -> None:
        self.report.write(f"  {'step':<10}" + "".join(f"{run.name:>24}" for run in runs))
        for step in STEPS:
            cells = [f"{run.wall[step]:.2f} s ({run.cpu[step]:.2f})" if step in run.wall else "–" for run in runs]
            self.report.write(f"  {step:<10}" + "".join(f"{cell:>24}" for cell in cells))
        self.report.write(f"  {'total':<10}" + "".join(f"{f'{run.total:.2f} s':>24}" for run in runs))
        self.report.write(f"  {'load':<10}" + "".join(f"{load_label(run.load):>24}" for run in runs))

    # 3. The review list sorted by priority ---------------------------------------------------------------

    def list_scenarios(self, review: Review) -> list[Scenario]:
        total = ReviewPaper.objects.filter(review=review).count()
        deep = max(1, round(total / PAPERS_PER_PAGE * DEEP_FRACTION))
        unscreened = total - self.decisions
        deep_unscreened = max(1, round(unscreened / PAPERS_PER_PAGE * DEEP_FRACTION))
        return [
            Scenario("priority, page 1", lambda run: {"sort": "priority", "page": "1"}, LIST_TARGET_MS),
            Scenario(f"priority, page {deep:,}", lambda run: {"sort": "priority", "page": str(deep)}, LIST_TARGET_MS),
            Scenario(
                "priority, unscreened, page 1",
                lambda run: {"sort": "priority", "unscreened": "on", "page": "1"},
                LIST_TARGET_MS,
            ),
            Scenario(
                f"priority, unscreened, p. {deep_unscreened:,}",
                lambda run: {"sort": "priority", "unscreened": "on", "page": str(deep_unscreened)},
                LIST_TARGET_MS,
            ),
            Scenario("newest first, page 1 (default)", lambda run: {"page": "1"}, LIST_TARGET_MS),
            Scenario("newest first, unscreened, page 1", lambda run: {"unscreened": "on", "page": "1"}, LIST_TARGET_MS),
        ]

    def measure_list(self, review: Review) -> list[Target]:
        self.list_url = reverse("reviews:paper_list", args=[review.slug])
        self.report.heading(
            f"Review list sorted by priority: GET {self.list_url}?sort=priority as the reviewer, {self.runs} runs "
            f"each ({PAPERS_PER_PAGE} papers a page)"
        )
        self.check_first_page(review)
        scenarios = self.list_scenarios(review)
        for scenario in scenarios:
            time_scenario(scenario, self.get_list, runs=self.runs, warmup=self.warmup)
        self.report.scenarios(scenarios, width=34)
        return [
            Target(f"list, {s.name}", f"{s.median:.1f} ms", f"< {s.target_ms:.0f} ms", s.passed, s.load)
            for s in scenarios
        ]

    def check_first_page(self, review: Review) -> None:
        """The list's first paper is the ranking's first: the page measured is the priority order."""
        ranking = PriorityRanking.objects.get(review=review, user=None)
        first = (
            PriorityScore.objects.filter(ranking=ranking, generation=ranking.generation, position=1)
            .values_list("review_paper__paper__arxiv_id", flat=True)
            .first()
        )
        page = self.get_list({"sort": "priority", "page": "1"}).content.decode()
        shown = first is not None and first in page
        self.report.write(
            f"  page 1 {'shows' if shown else 'does NOT show'} the ranking's first paper (arXiv:{first}) "
            f"(load {load_label(current_load())})"
        )
        if not shown:
            raise CommandError("The list sorted by priority does not show the ranking's first paper.")

    def get_list(self, params: dict):
        response = self.client.get(self.list_url, params)
        if response.status_code != 200:
            raise CommandError(f"GET {self.list_url}?{params} answered {response.status_code}, not 200")
        return response

    # 4. Screening mode's next paper ------------------------------------------------------------------------

    def measure_screening(self, review: Review, reviewer) -> list[Target]:
        url = reverse("reviews:screen", args=[review.slug])
        self.report.heading(f"Screening mode's next paper in the priority order: GET {url}, {self.runs} runs")
        expected = self.first_unscreened(review, reviewer)
        scenario = Scenario("next paper, priority order", lambda run: url, SCREEN_TARGET_MS)

        def get(url: str):
            response = self.client.get(url)
            if response.status_code != 200:
                raise CommandError(f"GET {url} answered {response.status_code}, not 200")
            return response

        page = get(url).content.decode()
        self.report.write(
            f"  the page {'shows' if expected in page else 'does NOT show'} the first paper left in the order "
            f"(arXiv:{expected})"
        )
        time_scenario(scenario, get, runs=self.runs, warmup=self.warmup)
        self.report.scenarios([scenario], width=34)
        return [
            Target(
                f"screening, {scenario.name}",
                f"{scenario.median:.1f} ms",
                f"< {SCREEN_TARGET_MS} ms",
                scenario.passed,
                scenario.load,
            )
        ]

    @staticmethod
    def first_unscreened(review: Review, reviewer) -> str | None:
        ranking = PriorityRanking.objects.get(review=review, user=None)
        decided = ScreeningDecision.objects.filter(review=review, user=reviewer).values("paper_id")
        return (
            PriorityScore.objects.filter(ranking=ranking, generation=ranking.generation)
            .exclude(review_paper__paper_id__in=decided)
            .order_by("position")
            .values_list("review_paper__paper__arxiv_id", flat=True)
            .first()
        )

    # 5. Query plans (PostgreSQL) -------------------------------------------------------------------------

    def explain(self, review: Review) -> None:
        """The page's queries, then the plans of the two that grow with the review: the paginator's page of ids
        in the priority order, and its count."""
        marker = f'FROM "{ReviewPaper._meta.db_table}"'
        for params in ({"sort": "priority", "page": "1"}, {"sort": "priority", "unscreened": "on", "page": "1"}):
            queries = captured_queries(lambda params=params: self.get_list(params))
            self.report.heading(f"Queries of the review list, {params}")
            for query in queries:
                self.report.write(f"  {float(query['time']) * 1000:5.0f} ms  {shorten(query['sql'], 140)}")
            sqls = [query["sql"] for query in queries]
            selects = [sql for sql in sqls if sql.startswith("SELECT") and marker in sql]
            ids = [sql for sql in selects if ' AS "pk" ' in sql]
            chosen = ids[:1] + [sql for sql in selects if "COUNT(" in sql][:1]
            for sql in chosen:
                self.report.heading(f"EXPLAIN (ANALYZE, BUFFERS), review list, {params}")
                self.report.write(f"  {shorten(sql, 1200)}")
                for line in explain_analyze(sql):
                    self.report.write(f"  {line}")


def add_generated_papers(report: Report, papers: int, seed: int) -> None:
    """Import ``papers`` generated records through ``import_papers``, so the database holds at least that many:
    records it already holds (an earlier run's, the same seed) are matched, not added twice."""
    report.heading(f"Import: {papers:,} generated papers (seed {seed}), the database holding {Paper.objects.count():,}")
    handle, name = tempfile.mkstemp(prefix="marginalia-priority-bench-", suffix=".jsonl")
    os.close(handle)
    path = Path(name)
    try:
        started = time.perf_counter()
        with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
            write_jsonl(CorpusGenerator(seed=seed).records(papers), out)
        output = io.StringIO()
        call_command("import_papers", str(path), format="jsonl", stdout=output)
        report.write(f"  generated and imported in {time.perf_counter() - started:.1f}s; now {Paper.objects.count():,}")
    finally:
        path.unlink(missing_ok=True)


def analyze() -> None:
    """Fresh planner statistics for the tables just written, as autovacuum would give them (PostgreSQL)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (ReviewPaper, ScreeningDecision, PriorityScore, PriorityRanking):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def benchmark_settings():
    """As the other benchmarks: production's DEBUG (no query log kept), the test client's host allowed."""
    return override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"])
