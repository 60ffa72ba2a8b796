"""The review part of ``manage.py benchmark``: a review over every paper, its list page and annotation POSTs.

It builds the workload with ``reviews.benchmarking``, then times the review's paper list (filters, sorts, search)
and each htmx annotation POST as one of the reviewers, and explains the slowest list query.
"""

import cProfile
import io
import pstats
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import benchmarking
from reviews.filters import ReviewPaperFilter
from reviews.models import DecisionChoice, ExclusionReason, ReviewPaper, Tag, TeamStatus

from .benchmark import SEARCH_TERMS, Scenario, _shorten, _verdict

LIST_TARGET_MS = 100
ANNOTATION_TARGET_MS = 30
HTMX = {"HX-Request": "true"}


@dataclass
class AnnotationScenario:
    """One kind of annotation POST: ``request(run)`` gives the URL and form data for that run's paper."""

    name: str
    request: Callable[[int], tuple[str, dict]]
    timings_ms: list[float] = field(default_factory=list)
    query_counts: set[int] = field(default_factory=set)

    # The same figures as a list scenario's.
    median = Scenario.median
    p95 = Scenario.p95

    @property
    def passed(self) -> bool:
        return self.median < ANNOTATION_TARGET_MS


@dataclass
class Target:
    label: str
    value: str
    target: str
    passed: bool


class ReviewBenchmark:
    def __init__(self, command, *, runs: int, warmup: int, seed: int, annotations: int):
        self.command, self.stdout = command, command.stdout
        self.runs, self.warmup, self.seed, self.annotations = runs, warmup, seed, annotations

    def run(self, *, profile: bool) -> list[Target]:
        if missing := benchmarking.schema_drift():
            raise CommandError(
                f"The database lacks model columns ({', '.join(missing[:5])}): a reviews migration changed after it "
                "was applied here. On the benchmark database: manage.py migrate reviews zero, then migrate."
            )
        workload = self._build()
        review = workload.review
        self.list_url = reverse("reviews:paper_list", args=[review.slug])
        self.client = Client()
        self.reviewer = workload.reviewers[0]
        self.client.force_login(self.reviewer)
        tags = list(Tag.objects.filter(review=review).order_by("pk"))
        scenarios = self._measure_list(review, tags)
        slowest = max(scenarios, key=lambda scenario: scenario.median)
        posts = self._measure_annotations(review, tags)
        self._explain(slowest)
        if profile:
            self._profile(slowest)
        return self._targets(scenarios, posts)

    # 1. Setup ------------------------------------------------------------------------------------------------

    def _build(self) -> benchmarking.ReviewWorkload:
        heading = "Review setup: every paper in one review, three reviewers"
        self.command._heading(f"{heading}, {self.annotations:,} annotations")
        started = step = time.perf_counter()

        def lap(what: str) -> None:
            nonlocal step
            now = time.perf_counter()
            self.stdout.write(f"  {what:<58} {now - step:6.1f}s")
            step = now

        benchmarking.delete_benchmark_review()
        paper_ids = benchmarking.all_paper_ids()
        lap("deleted an earlier benchmark review, read paper ids")
        workload = benchmarking.create_review(paper_ids)
        lap(f"review, team, vocabulary, Review.add_papers() of {len(paper_ids):,} papers")
        counts = benchmarking.add_annotations(workload, paper_ids, self.annotations, seed=self.seed)
        lap("annotations bulk_create: " + ", ".join(f"{n:,} {kind}" for kind, n in counts.items()))
        benchmarking.refresh_all_summaries(workload.review)
        lap("summary columns: set-based UPDATE ... FROM (... GROUP BY)")
        benchmarking.vacuum_analyze_review_tables()
        lap("VACUUM ANALYZE of the review tables")
        self.stdout.write(f"  setup took {time.perf_counter() - started:.1f}s in all")

        statuses = dict(
            ReviewPaper.objects.filter(review=workload.review)
            .values_list("team_status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.stdout.write(
            "  team status: " + ", ".join(f"{status} {statuses.get(status, 0):,}" for status in TeamStatus.values)
        )
        mismatches = benchmarking.summary_mismatches(workload.review)
        if mismatches:
            self.stdout.write(
                self.command.style.ERROR(f"  summary columns disagree with reviews.summaries: {mismatches[:5]}")
            )
        else:
            self.stdout.write("  summary columns spot-checked against reviews.summaries: agree")
        return workload

    # 2. The review's paper list ------------------------------------------------------------------------------

    def _list_scenarios(self, tags: list[Tag]) -> list[Scenario]:
        two_tags = [str(tags[0].pk), str(tags[1].pk)]

        def search(i: int) -> str:
            return SEARCH_TERMS[i % len(SEARCH_TERMS)]

        return [
            Scenario("unfiltered", lambda i: {}, LIST_TARGET_MS),
            Scenario("text search", lambda i: {"q": search(i)}, LIST_TARGET_MS, len(SEARCH_TERMS)),
            Scenario("team status = conflict", lambda i: {"status": TeamStatus.CONFLICT.value}, LIST_TARGET_MS),
            Scenario("my decision = include", lambda i: {"my_decision": DecisionChoice.INCLUDE.value}, LIST_TARGET_MS),
            Scenario("not yet screened by me", lambda i: {"unscreened": "on"}, LIST_TARGET_MS),
            Scenario("tags any of two", lambda i: {"tags": two_tags, "tag_match": "any"}, LIST_TARGET_MS),
            Scenario("mean score >= 3.5", lambda i: {"mean_min": "3.5"}, LIST_TARGET_MS),
            Scenario("sort by mean score", lambda i: {"sort": "mean_score"}, LIST_TARGET_MS),
            Scenario("sort by most discussed", lambda i: {"sort": "discussed"}, LIST_TARGET_MS),
            Scenario(
                "combined",
                lambda i: {
                    "q": "language models",
                    "status": TeamStatus.INCLUDED.value,
                    "tags": two_tags,
                    "mean_min": "3",
                    "sort": "mean_score",
                },
                LIST_TARGET_MS,
            ),
        ]

    def _measure_list(self, review, tags: list[Tag]) -> list[Scenario]:
        total = ReviewPaper.objects.filter(review=review).count()
        self.command._heading(
            f"Review list: {self.list_url} over {total:,} papers as {self.reviewer.username}, {self.runs} runs each"
        )
        scenarios = self._list_scenarios(tags)
        matches = {}
        for scenario in scenarios:
            for _ in range(self.warmup):
                for variant in range(scenario.variants):
                    self._get(scenario.params(variant))
            for variant in range(scenario.variants):
                with CaptureQueriesContext(connection) as queries:
                    self._get(scenario.params(variant))
                scenario.query_counts.add(len(queries))
            for run in range(self.runs):
                params = scenario.params(run)
                started = time.perf_counter()
                self._get(params)
                elapsed_ms = (time.perf_counter() - started) * 1000
                scenario.timings_ms.append(elapsed_ms)
                scenario.by_variant.setdefault(params.get("q", ""), []).append(elapsed_ms)
            matches[scenario.name] = self._match_count(review, tags, scenario.params(0))

        self.stdout.write(
            f"  {'scenario':<26} {'matches':>8} {'median':>9} {'p95':>9} {'min':>9} {'max':>9}  "
            f"{'SQL queries':<12} target"
        )
        for scenario in scenarios:
            self.stdout.write(
                f"  {scenario.name:<26} {matches[scenario.name]:>8,} "
                f"{scenario.median:>6.1f} ms {scenario.p95:>6.1f} ms "
                f"{min(scenario.timings_ms):>6.1f} ms {max(scenario.timings_ms):>6.1f} ms  "
                f"{_counts(scenario.query_counts):<12} < {scenario.target_ms:.0f} ms  {_verdict(scenario.passed)}"
            )
        self.stdout.write("  (matches: rows the filter selects, for the first search term where there is one)")
        for scenario in scenarios:
            if scenario.variants > 1:
                self.stdout.write(f"  {scenario.name}, median by term:")
                for term, timings in scenario.by_variant.items():
                    self.stdout.write(f"    q={term:<26} {statistics.median(timings):>7.1f} ms  ({len(timings)} runs)")
        return scenarios

    def _match_count(self, review, tags: list[Tag], params: dict) -> int:
        queryset = ReviewPaper.objects.for_panels(review, self.reviewer)
        filterset = ReviewPaperFilter(
            _querydict(params), queryset=queryset, review=review, user=self.reviewer, tags=tags
        )
        return filterset.qs.count()

    def _get(self, params: dict):
        response = self.client.get(self.list_url, params)
        if response.status_code != 200:
            raise CommandError(f"GET {self.list_url}?{params} answered {response.status_code}, not 200")
        return response

    # 3. Annotation POSTs -------------------------------------------------------------------------------------

    def _measure_annotations(self, review, tags: list[Tag]) -> list[AnnotationScenario]:
        self.command._heading(
            f"Annotation POSTs (htmx) as {self.reviewer.username}, {self.runs} runs each, a different paper each run"
        )
        per_scenario = self.warmup + 1 + self.runs
        paper_ids = list(ReviewPaper.objects.filter(review=review).values_list("paper_id", flat=True))
        chosen = random.Random(self.seed + 1).sample(paper_ids, min(len(paper_ids), per_scenario * 5))
        if len(chosen) < per_scenario * 5:
            raise CommandError(f"The review needs at least {per_scenario * 5} papers for the annotation POSTs.")
        tagged, scored, decided, commented, fresh_tags = (
            chosen[index * per_scenario : (index + 1) * per_scenario] for index in range(5)
        )
        existing = tags[2]
        reason = ExclusionReason.objects.filter(review=review).first()
        decisions = DecisionChoice.values

        def url(name: str, paper_id: int, *extra) -> str:
            return reverse(f"reviews:{name}", args=[review.slug, paper_id, *extra])

        def decide(run: int) -> tuple[str, dict]:
            decision = decisions[run % len(decisions)]
            data = {"decision": decision}
            if decision == DecisionChoice.EXCLUDE:
                data["reason"] = reason.pk
            return url("decide", decided[run]), data

        scenarios = [
            AnnotationScenario(
                "apply an existing tag", lambda run: (url("tag_add", tagged[run]), {"name": existing.name})
            ),
            AnnotationScenario(
                "add a new tag", lambda run: (url("tag_add", fresh_tags[run]), {"name": f"bench new tag {run}"})
            ),
            # Removes what the first scenario applied, paper by paper.
            AnnotationScenario("remove a tag", lambda run: (url("tag_remove", tagged[run], existing.pk), {})),
            AnnotationScenario("score", lambda run: (url("score", scored[run]), {"value": run % 5 + 1})),
            AnnotationScenario("decide", decide),
            AnnotationScenario(
                "comment",
                lambda run: (url("comment_add", commented[run]), {"body": f"Benchmark comment {run}: **relevant**."}),
            ),
        ]
        for scenario in scenarios:
            # Warm-up and the counted request use their own papers, so every timed run is a first touch too.
            for run in range(self.warmup):
                self._post(*scenario.request(self.runs + 1 + run))
            with CaptureQueriesContext(connection) as queries:
                self._post(*scenario.request(self.runs))
            scenario.query_counts.add(len(queries))
            for run in range(self.runs):
                request = scenario.request(run)
                started = time.perf_counter()
                self._post(*request)
                scenario.timings_ms.append((time.perf_counter() - started) * 1000)

        self.stdout.write(f"  {'POST':<26} {'median':>9} {'p95':>9} {'min':>9} {'max':>9}  {'SQL queries':<12} target")
        for scenario in scenarios:
            self.stdout.write(
                f"  {scenario.name:<26} {scenario.median:>6.1f} ms {scenario.p95:>6.1f} ms "
                f"{min(scenario.timings_ms):>6.1f} ms {max(scenario.timings_ms):>6.1f} ms  "
                f"{_counts(scenario.query_counts):<12} < {ANNOTATION_TARGET_MS} ms  {_verdict(scenario.passed)}"
            )
        return scenarios

    def _post(self, url: str, data: dict):
        response = self.client.post(url, data, headers=HTMX)
        if response.status_code != 200:
            raise CommandError(f"POST {url} {data} answered {response.status_code}, not 200")
        return response

    # 4. Query plan and profile of the slowest list scenario ----------------------------------------------------

    def _explain(self, scenario: Scenario) -> None:
        params = scenario.params(0)
        with CaptureQueriesContext(connection) as queries:
            self._get(params)
        self.command._heading(f"Queries of the review list, slowest scenario: {scenario.name} {params}")
        for query in queries.captured_queries:
            self.stdout.write(f"  {float(query['time']) * 1000:5.0f} ms  {_shorten(query['sql'], 140)}")
        table = ReviewPaper._meta.db_table
        selects = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].lstrip().upper().startswith("SELECT") and f'FROM "{table}"' in query["sql"]
        ]
        if not selects:
            return
        # The page's main query is the biggest SELECT on the review's rows; the paginator's COUNT the other.
        chosen = [max(selects, key=len)]
        chosen += [sql for sql in selects if "COUNT(" in sql.upper() and sql not in chosen][:1]
        for sql in chosen:
            self.command._heading(f"EXPLAIN (ANALYZE, BUFFERS), review list, {scenario.name}")
            self.stdout.write(f"  {_shorten(sql, 900)}")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                for (line,) in cursor.fetchall():
                    self.stdout.write(f"  {line}")

    def _profile(self, scenario: Scenario) -> None:
        self.command._heading(f"cProfile of 10 review-list requests, {scenario.name}")
        profiler = cProfile.Profile()
        profiler.enable()
        for run in range(10):
            self._get(scenario.params(run))
        profiler.disable()
        report = io.StringIO()
        stats = pstats.Stats(profiler, stream=report)
        # Cumulative time is mostly the request stack; own time shows where the page spends it (templates, SQL).
        stats.sort_stats("cumulative").print_stats(r"reviews|papers|template", 25)
        stats.sort_stats("tottime").print_stats(20)
        self.stdout.write(report.getvalue())

    # 5. Targets ----------------------------------------------------------------------------------------------

    def _targets(self, scenarios: list[Scenario], posts: list[AnnotationScenario]) -> list[Target]:
        targets = [
            Target(f"review list, {s.name}", f"{s.median:.1f} ms", f"< {LIST_TARGET_MS} ms", s.passed)
            for s in scenarios
        ]
        counts = set().union(*(scenario.query_counts for scenario in scenarios))
        targets.append(Target("review list, same query count", _counts(counts), "every scenario", len(counts) == 1))
        targets += [
            Target(f"POST, {p.name}", f"{p.median:.1f} ms", f"< {ANNOTATION_TARGET_MS} ms", p.passed) for p in posts
        ]
        return targets


def _counts(counts: set[int]) -> str:
    ordered = sorted(counts)
    return f"{ordered[0]}" if len(ordered) == 1 else f"{ordered[0]}..{ordered[-1]} (varies!)"


def _querydict(params: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, [str(item) for item in value] if isinstance(value, list) else [str(value)])
    return data
