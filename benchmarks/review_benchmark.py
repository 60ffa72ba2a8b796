"""The review part of ``manage.py benchmark``: a review over every paper, its list page and annotation POSTs.

It builds the workload with ``review_workload``, then times the review's paper list (filters, sorts, search)
and each htmx annotation POST as one of the reviewers, and explains the slowest list query.
"""

import random
import time

from django.core.management.base import CommandError
from django.db.models import Count
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from reviews.filters import ReviewPaperFilter
from reviews.models import DecisionChoice, ExclusionReason, ReviewPaper, Tag, TeamStatus

from . import review_workload
from .corpus_benchmark import SEARCH_TERMS, search_term
from .reporting import Report, Scenario, Target, captured_queries, query_count_label, time_scenario

LIST_TARGET_MS = 100
ANNOTATION_TARGET_MS = 30
HTMX = {"HX-Request": "true"}


class ReviewBenchmark:
    def __init__(self, report: Report, *, runs: int, warmup: int, seed: int, annotations: int):
        self.report = report
        self.runs, self.warmup, self.seed, self.annotations = runs, warmup, seed, annotations

    def run(self, *, profile: bool) -> list[Target]:
        if missing := review_workload.schema_drift():
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
            # Cumulative time is mostly the request stack; own time shows where the page spends it (templates, SQL).
            self.report.profile(
                f"cProfile of 10 review-list requests, {slowest.name}",
                lambda run: self._get(slowest.request(run)),
                ("cumulative", (r"reviews|papers|template", 25)),
                ("tottime", (20,)),
            )
        return self._targets(scenarios, posts)

    # 1. Setup ------------------------------------------------------------------------------------------------

    def _build(self) -> review_workload.ReviewWorkload:
        heading = "Review setup: every paper in one review, three reviewers"
        self.report.heading(f"{heading}, {self.annotations:,} annotations")
        started = step = time.perf_counter()

        def lap(what: str) -> None:
            nonlocal step
            now = time.perf_counter()
            self.report.write(f"  {what:<58} {now - step:6.1f}s")
            step = now

        review_workload.delete_benchmark_review()
        paper_ids = review_workload.all_paper_ids()
        lap("deleted an earlier benchmark review, read paper ids")
        workload = review_workload.create_review(paper_ids)
        lap(f"review, team, vocabulary, Review.add_papers() of {len(paper_ids):,} papers")
        counts = review_workload.add_annotations(workload, paper_ids, self.annotations, seed=self.seed)
        lap(
            "annotating.bulk_annotate (rows, then summaries): "
            + ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        )
        review_workload.vacuum_analyze_review_tables()
        lap("VACUUM ANALYZE of the review tables")
        self.report.write(f"  setup took {time.perf_counter() - started:.1f}s in all")

        statuses = dict(
            ReviewPaper.objects.filter(review=workload.review)
            .values_list("team_status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.report.write(
            "  team status: " + ", ".join(f"{status} {statuses.get(status, 0):,}" for status in TeamStatus.values)
        )
        mismatches = review_workload.summary_mismatches(workload.review)
        if mismatches:
            self.report.write(self.report.style.ERROR(f"  summary columns disagree with a recount: {mismatches[:5]}"))
        else:
            self.report.write("  summary columns spot-checked against a recount: agree")
        return workload

    # 2. The review's paper list ------------------------------------------------------------------------------

    def _list_scenarios(self, tags: list[Tag]) -> list[Scenario]:
        two_tags = [str(tags[0].pk), str(tags[1].pk)]
        return [
            Scenario("unfiltered", lambda i: {}, LIST_TARGET_MS),
            Scenario("text search", lambda i: {"q": search_term(i)}, LIST_TARGET_MS, len(SEARCH_TERMS)),
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
        self.report.heading(
            f"Review list: {self.list_url} over {total:,} papers as {self.reviewer.username}, {self.runs} runs each"
        )
        scenarios = self._list_scenarios(tags)
        matches = {}
        for scenario in scenarios:
            time_scenario(scenario, self._get, runs=self.runs, warmup=self.warmup)
            matches[scenario.name] = self._match_count(review, tags, scenario.request(0))
        self.report.scenarios(scenarios, width=26, matches=matches)
        self.report.write("  (matches: rows the filter selects, for the first search term where there is one)")
        self.report.medians_by_term(scenarios)
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

    def _measure_annotations(self, review, tags: list[Tag]) -> list[Scenario]:
        self.report.heading(
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
            Scenario(
                "apply an existing tag",
                lambda run: (url("tag_add", tagged[run]), {"name": existing.name}),
                ANNOTATION_TARGET_MS,
            ),
            Scenario(
                "add a new tag",
                lambda run: (url("tag_add", fresh_tags[run]), {"name": f"bench new tag {run}"}),
                ANNOTATION_TARGET_MS,
            ),
            # Removes what the first scenario applied, paper by paper.
            Scenario(
                "remove a tag", lambda run: (url("tag_remove", tagged[run], existing.pk), {}), ANNOTATION_TARGET_MS
            ),
            Scenario("score", lambda run: (url("score", scored[run]), {"value": run % 5 + 1}), ANNOTATION_TARGET_MS),
            Scenario("decide", decide, ANNOTATION_TARGET_MS),
            Scenario(
                "comment",
                lambda run: (url("comment_add", commented[run]), {"body": f"Benchmark comment {run}: **relevant**."}),
                ANNOTATION_TARGET_MS,
            ),
        ]
        for scenario in scenarios:
            # Warm-up and the counted request use their own papers, so every timed run is a first touch too.
            time_scenario(
                scenario, lambda request: self._post(*request), runs=self.runs, warmup=self.warmup, fresh_each_run=True
            )
        self.report.scenarios(scenarios, first_column="POST", width=26)
        return scenarios

    def _post(self, url: str, data: dict):
        response = self.client.post(url, data, headers=HTMX)
        if response.status_code != 200:
            raise CommandError(f"POST {url} {data} answered {response.status_code}, not 200")
        return response

    # 4. Query plan of the slowest list scenario ----------------------------------------------------------

    def _explain(self, scenario: Scenario) -> None:
        params = scenario.request(0)
        self.report.queries_and_plans(
            captured_queries(lambda: self._get(params)),
            table_marker=f'FROM "{ReviewPaper._meta.db_table}"',
            queries_heading=f"Queries of the review list, slowest scenario: {scenario.name} {params}",
            explain_heading=f"EXPLAIN (ANALYZE, BUFFERS), review list, {scenario.name}",
            sql_limit=900,
        )

    # 5. Targets ----------------------------------------------------------------------------------------------

    def _targets(self, scenarios: list[Scenario], posts: list[Scenario]) -> list[Target]:
        targets = [
            Target(f"review list, {s.name}", f"{s.median:.1f} ms", f"< {LIST_TARGET_MS} ms", s.passed)
            for s in scenarios
        ]
        counts = set().union(*(scenario.query_counts for scenario in scenarios))
        targets.append(
            Target("review list, same query count", query_count_label(counts), "every scenario", len(counts) == 1)
        )
        targets += [
            Target(f"POST, {p.name}", f"{p.median:.1f} ms", f"< {ANNOTATION_TARGET_MS} ms", p.passed) for p in posts
        ]
        return targets


def _querydict(params: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, [str(item) for item in value] if isinstance(value, list) else [str(value)])
    return data
