"""The review part of ``manage.py benchmark``: a blind dual-screening review over the papers, its list page with
blind mode on and off, the statistics, dashboard and screening pages, and the annotation and resolution POSTs.

It builds the workload with ``review_workload`` (and checks it with ``check_summaries``), times the review's
paper list (filters, sorts, search) as one of the reviewers in both blind modes, hands the pages of issue 8 to
``screening_benchmark``, times each htmx annotation POST, and explains the slowest list query.
"""

import io
import random
import time

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from papers.models import Paper
from reviews.filters import ReviewPaperFilter
from reviews.models import DecisionChoice, ExclusionReason, Review, ReviewPaper, ScreeningDecision, Tag, TeamStatus

from . import review_workload
from .corpus_benchmark import SEARCH_TERMS, search_term
from .framework_overhead import FrameworkOverhead
from .reporting import (
    P95_TARGET_MS,
    Report,
    Scenario,
    Target,
    captured_queries,
    current_load,
    paired_ratio,
    query_count_label,
    time_alternating,
    time_scenario,
)
from .screening_benchmark import ScreeningBenchmark

LIST_TARGET_MS = 100
ANNOTATION_TARGET_MS = 30
BLIND_RATIO_TARGET = 1.10
HTMX = {"HX-Request": "true"}


class ReviewBenchmark:
    def __init__(
        self,
        report: Report,
        *,
        runs: int,
        warmup: int,
        seed: int,
        review_papers: int | None = None,
        explain=True,
        annotations: int | None = None,
        reuse: bool = False,
        lists_only: bool = False,
    ):
        """``review_papers``: how many of the database's papers the review holds (all when None); ``annotations``:
        about how many annotations the team made (every paper screened when None); ``reuse``: measure the
        benchmark review already there; ``lists_only``: the list pages and the framework's overhead only."""
        self.report = report
        self.runs, self.warmup, self.seed, self.review_papers = runs, warmup, seed, review_papers
        self.explain, self.annotations, self.reuse, self.lists_only = explain, annotations, reuse, lists_only

    def run(self, *, profile: bool) -> list[Target]:
        if missing := review_workload.schema_drift():
            raise CommandError(
                f"The database lacks model columns ({', '.join(missing[:5])}): a reviews migration changed after it "
                "was applied here. On the benchmark database: manage.py migrate reviews zero, then migrate."
            )
        if self.reuse:
            try:
                workload, checked = review_workload.existing_workload(), None
            except ValueError as error:
                raise CommandError(str(error)) from error
        else:
            with self.report.step("review setup (workload, check_summaries)"):
                workload, checked = self._build()
        review = workload.review
        self.list_url = reverse("reviews:paper_list", args=[review.slug])
        self.client = Client()
        self.reviewer = workload.reviewers[0]
        self.client.force_login(self.reviewer)
        tags = list(Tag.objects.filter(review=review).order_by("pk"))
        with self.report.step("review list: timings, query plans, framework overhead"):
            pairs = self._measure_list(review, tags)
            slowest = max((blind for blind, _ in pairs), key=lambda scenario: scenario.p95)
            for blind, _ in pairs:
                params = blind.request(0)
                self.report.indexes_by_query(
                    f"Indexes each query reads, review list, {blind.name} {params}",
                    captured_queries(lambda params=params: self._get(params)),
                )
            overhead = FrameworkOverhead(self.report, self.client, self.list_url, runs=self.runs).run(
                review, self.reviewer
            )
            if self.explain:
                self._explain(slowest)
        targets = [target for target in (checked,) if target] + self._targets(pairs, []) + [overhead]
        if self.lists_only:
            return targets

        per_scenario = self.warmup + 1 + self.runs
        pool = review_workload.withdraw_decisions(workload, self.reviewer, per_scenario * 4)
        screening = ScreeningBenchmark(self.report, workload, runs=self.runs, warmup=self.warmup, pool=pool)
        issue_targets = screening.measure_pages() + screening.measure_screening()
        posts = self._measure_annotations(review, tags, screening)
        issue_targets += screening.measure_resolutions()
        if profile:
            # Cumulative time is mostly the request stack; own time shows where the page spends it (templates, SQL).
            self.report.profile(
                f"cProfile of 10 review-list requests, {slowest.name}",
                lambda run: self._get(slowest.request(run)),
                ("cumulative", (r"reviews|papers|template", 25)),
                ("tottime", (20,)),
            )
        return [*targets, *self._targets([], posts), *issue_targets]

    # 1. Setup ------------------------------------------------------------------------------------------------

    def _build(self) -> tuple[review_workload.ReviewWorkload, Target]:
        paper_ids = review_workload.all_paper_ids(self.review_papers)
        reviewers = len(review_workload.REVIEWERS)
        screened = None
        if self.annotations is not None:
            screened = review_workload.papers_for_annotations(self.annotations, review_workload.Shape())
        self.report.heading(
            f"Review setup: {len(paper_ids):,} papers in one blind review, {reviewers} reviewers in balanced pairs, "
            + ("2 decisions a paper" if screened is None else f"{screened:,} papers screened (2 decisions each)")
            + ", a resolver"
        )
        started = step = time.perf_counter()

        def lap(what: str) -> None:
            nonlocal step
            now = time.perf_counter()
            self.report.write(f"  {what:<100} {now - step:6.1f}s")
            step = now

        review_workload.delete_benchmark_review()
        lap("deleted an earlier benchmark review, read paper ids")
        # A queryset, so the papers go in by one INSERT … SELECT.
        papers = Paper.objects.filter(pk__in=paper_ids) if self.review_papers else Paper.objects.all()
        workload = review_workload.create_review(papers)
        lap(f"review, team, vocabulary, Review.add_papers() of {len(paper_ids):,} papers")
        counts = review_workload.add_screening(workload, paper_ids, seed=self.seed, lap=lap, screened=screened)
        review_workload.vacuum_analyze_review_tables()
        lap("VACUUM ANALYZE of the review tables")
        self.report.write(f"  setup took {time.perf_counter() - started:.1f}s in all")
        self.report.write("  written: " + ", ".join(f"{n:,} {kind}" for kind, n in counts.items()))

        statuses = dict(
            ReviewPaper.objects.filter(review=workload.review)
            .values_list("team_status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.report.write(
            "  team status: " + ", ".join(f"{status} {statuses.get(status, 0):,}" for status in TeamStatus.values)
        )
        return workload, self._check_summaries(workload.review)

    def _check_summaries(self, review: Review) -> Target:
        """``manage.py check_summaries`` on the review, its verdict printed: the write path kept every row true."""
        self.report.heading(f"check_summaries {review.slug}")
        out, started = io.StringIO(), time.perf_counter()
        try:
            call_command("check_summaries", review.slug, stdout=out)
            clean = True
        except CommandError as error:
            out.write(f"{error}\n")
            clean = False
        lines = out.getvalue().splitlines()
        for line in lines[:10] + (["…"] if len(lines) > 13 else []) + lines[max(10, len(lines) - 3) :]:
            self.report.write(f"  {line}" if clean else self.report.style.ERROR(f"  {line}"))
        self.report.write(f"  ({time.perf_counter() - started:.1f}s)")
        return Target("check_summaries after the load", "clean" if clean else "DIFFERS", "clean", clean)

    # 2. The review's paper list, blind mode on and off ---------------------------------------------------------

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
            Scenario("sort oldest first", lambda i: {"sort": "oldest"}, LIST_TARGET_MS),
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

    def _measure_list(self, review: Review, tags: list[Tag]) -> list[tuple[Scenario, Scenario]]:
        """Each scenario with blind mode on and off in alternation, same reviewer, same URL, same data."""
        total = ReviewPaper.objects.filter(review=review).count()
        self.report.heading(
            f"Review list: {self.list_url} over {total:,} papers as the reviewer {self.reviewer.username}, blind "
            f"mode on and off in alternation (Review.blind toggled before each request), {self.runs} runs each"
        )

        def blind(flag: bool):
            return lambda: Review.objects.filter(pk=review.pk).update(blind=flag)

        pairs, matches = [], {}
        for scenario in self._list_scenarios(tags):
            open_mode = Scenario(scenario.name, scenario.request, scenario.target_ms, scenario.variants)
            time_alternating(
                (scenario, open_mode), (blind(True), blind(False)), self._get, runs=self.runs, warmup=self.warmup
            )
            pairs.append((scenario, open_mode))
            matches[scenario.name] = self._match_count(review, tags, scenario.request(0))
        Review.objects.filter(pk=review.pk).update(blind=True)
        self.report.pairs(pairs, names=("blind", "open"), target_ratio=BLIND_RATIO_TARGET)
        self.report.write(
            f"  (ratio: blind ÷ open, the median over the runs of each pair timed back to back; target "
            f"<= {BLIND_RATIO_TARGET:.2f})"
        )
        self.report.write("  matches with blind mode off (rows the filter selects, for the first search term):")
        self.report.write("  " + ", ".join(f"{name} {n:,}" for name, n in matches.items()))
        blind_total = sum(blind.median for blind, _ in pairs)
        open_total = sum(open_mode.median for _, open_mode in pairs)
        self.report.write(
            f"  all scenarios: blind {blind_total:.1f} ms ÷ open {open_total:.1f} ms = {blind_total / open_total:.2f} "
            f"(load {current_load():.2f})"
        )
        self.report.write("  blind mode, each scenario in detail:")
        self.report.scenarios([blind for blind, _ in pairs], width=26)
        self.report.medians_by_term([blind for blind, _ in pairs])
        return pairs

    def _match_count(self, review, tags: list[Tag], params: dict) -> int:
        queryset = ReviewPaper.objects.for_panels(review, self.reviewer)
        filterset = ReviewPaperFilter(
            _querydict(params), queryset=queryset, review=review, user=self.reviewer, tags=tags
        )
        return filterset.qs.count()

    def _get(self, params: dict):
        # A page number of its own, so the list never sends the reviewer on to the page to resume at.
        response = self.client.get(self.list_url, {"page": "1", **params})
        if response.status_code != 200:
            raise CommandError(f"GET {self.list_url}?{params} answered {response.status_code}, not 200")
        return response

    # 3. Annotation POSTs -------------------------------------------------------------------------------------

    def _measure_annotations(self, review, tags: list[Tag], screening: ScreeningBenchmark) -> list[Scenario]:
        self.report.heading(
            f"Annotation POSTs (htmx) as {self.reviewer.username}, {self.runs} runs each, a different paper each run"
        )
        per_scenario = self.warmup + 1 + self.runs
        paper_ids = list(ReviewPaper.objects.filter(review=review).values_list("paper_id", flat=True))
        chosen = random.Random(self.seed + 1).sample(paper_ids, min(len(paper_ids), per_scenario * 4))
        if len(chosen) < per_scenario * 4:
            raise CommandError(f"The review needs at least {per_scenario * 4} papers for the annotation POSTs.")
        tagged, scored, commented, fresh_tags = (
            chosen[index * per_scenario : (index + 1) * per_scenario] for index in range(4)
        )
        # First decisions on papers assigned to me, as in screening; and changed votes that reopen a resolution.
        undecided = screening.take_from_pool(per_scenario)
        resolved = list(
            ReviewPaper.objects.filter(
                review=review,
                team_status=TeamStatus.RESOLVED,
                paper_id__in=ScreeningDecision.objects.filter(review=review, user=self.reviewer).values("paper_id"),
            ).values_list("paper_id", "include_count")[:per_scenario]
        )
        existing = tags[2]
        reason = ExclusionReason.objects.filter(review=review).first()
        decisions = DecisionChoice.values
        my_votes = dict(
            ScreeningDecision.objects.filter(
                review=review, user=self.reviewer, paper_id__in=[paper_id for paper_id, _ in resolved]
            ).values_list("paper_id", "decision")
        )

        def url(name: str, paper_id: int, *extra) -> str:
            return reverse(f"reviews:{name}", args=[review.slug, paper_id, *extra])

        def decide(run: int) -> tuple[str, dict]:
            decision = decisions[run % len(decisions)]
            data = {"decision": decision}
            if decision == DecisionChoice.EXCLUDE:
                data["reason"] = reason.pk
            return url("decide", undecided[run]), data

        def change_vote(run: int) -> tuple[str, dict]:
            paper_id = resolved[run][0]
            other = next(choice for choice in decisions if choice != my_votes[paper_id])
            return url("decide", paper_id), {"decision": other}

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
            Scenario("decide (first vote)", decide, ANNOTATION_TARGET_MS),
            Scenario("decide (reopens a resolution)", change_vote, ANNOTATION_TARGET_MS),
            Scenario(
                "comment",
                lambda run: (url("comment_add", commented[run]), {"body": f"Benchmark comment {run}: **relevant**."}),
                ANNOTATION_TARGET_MS,
            ),
        ]
        if len(resolved) < per_scenario:
            self.report.write(f"  (no 'reopens a resolution' figure: only {len(resolved)} resolved papers of mine)")
            scenarios = [scenario for scenario in scenarios if scenario.name != "decide (reopens a resolution)"]
        for scenario in scenarios:
            # Warm-up and the counted request use their own papers, so every timed run is a first touch too.
            time_scenario(
                scenario, lambda request: self._post(*request), runs=self.runs, warmup=self.warmup, fresh_each_run=True
            )
        self.report.scenarios(scenarios, first_column="POST", width=30)
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
            queries_heading=f"Queries of the review list (blind), slowest scenario: {scenario.name} {params}",
            explain_heading=f"EXPLAIN (ANALYZE, BUFFERS), review list, {scenario.name}",
            sql_limit=900,
        )

    # 5. Targets ----------------------------------------------------------------------------------------------

    def _targets(self, pairs: list[tuple[Scenario, Scenario]], posts: list[Scenario]) -> list[Target]:
        targets = [
            Target(
                f"review list p95, {blind.name}",
                f"{blind.p95:.1f} ms",
                f"< {P95_TARGET_MS} ms",
                blind.p95 < P95_TARGET_MS,
                blind.load,
            )
            for blind, _ in pairs
        ]
        for blind, open_mode in pairs:
            ratio = paired_ratio(blind, open_mode)
            targets.append(
                Target(
                    f"review list, {blind.name}",
                    f"{blind.median:.1f} ms",
                    f"< {LIST_TARGET_MS} ms",
                    blind.passed,
                    blind.load,
                )
            )
            targets.append(
                Target(
                    f"  blind ÷ open ({open_mode.median:.1f} ms)",
                    f"{ratio:.2f}",
                    f"<= {BLIND_RATIO_TARGET:.2f}",
                    ratio <= BLIND_RATIO_TARGET,
                    open_mode.load,
                )
            )
        if pairs:
            counts = set().union(*(blind.query_counts for blind, _ in pairs))
            targets.append(
                Target("review list, same query count", query_count_label(counts), "every scenario", len(counts) == 1)
            )
        targets += [
            Target(f"POST, {p.name}", f"{p.median:.1f} ms", f"< {ANNOTATION_TARGET_MS} ms", p.passed, p.load)
            for p in posts
        ]
        return targets


def _querydict(params: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, [str(item) for item in value] if isinstance(value, list) else [str(value)])
    return data
