"""The blind dual-screening figures of ``manage.py benchmark``: statistics and dashboard as the owner, screening
mode's next paper as a reviewer (with and without assignments), and a resolver's final-decision POSTs.

Those pages may not exist in the code being measured (they are built separately): a URL name that does not
reverse is reported as "not available", and a page that answers with an error as "failed", each instead of a
figure, so the rest of the benchmark still runs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client
from django.urls import NoReverseMatch, reverse

from reviews import annotating
from reviews.models import NEEDS_RESOLUTION, Assignment, DecisionChoice, ExclusionReason, Resolution, ReviewPaper

from .reporting import Report, Scenario, Target, current_load, load_label, time_scenario
from .review_workload import ReviewWorkload

PAGE_TARGET_MS = 500
SCREEN_TARGET_MS = 50
POST_TARGET_MS = 30
STATISTICS_URL = "reviews:statistics"
DASHBOARD_URL = "reviews:dashboard"
SCREEN_URL = "reviews:screen"
# The resolution form's URL: the first name and arguments that reverse (the review alone, with the paper in the
# form; or a paper by id, or by arXiv id, in the URL).
RESOLVE_URLS = ("reviews:conflict_resolve", "reviews:resolve")


class Unanswered(Exception):
    """A page that exists but did not answer as a working page does."""


def optional_url(name: str, *argument_lists: list) -> str | None:
    """The URL named ``name`` with the first of ``argument_lists`` that reverses, or None when none does."""
    for arguments in argument_lists:
        try:
            return reverse(name, args=arguments)
        except NoReverseMatch:
            continue
    return None


def not_available(names) -> str:
    return f"not available (no URL named {' or '.join(names) if isinstance(names, tuple) else names})"


@dataclass
class Outcome:
    """What measuring one figure gave: a timed scenario, or why there is none."""

    label: str
    scenario: Scenario | None = None
    reason: str = ""

    def target(self, wanted: str) -> Target:
        if self.scenario is None:
            return Target(self.label, self.reason.split(" (")[0], wanted, None)
        return Target(
            self.label, f"{self.scenario.median:.1f} ms", wanted, self.scenario.passed, load=self.scenario.load
        )


class ScreeningBenchmark:
    def __init__(self, report: Report, workload: ReviewWorkload, *, runs: int, warmup: int, pool: list[int]):
        """``pool``: papers assigned to the first reviewer that they have not decided yet (the benchmark took
        their decisions back), in the review's order; the figures that need a fresh decision consume it."""
        self.report, self.workload, self.runs, self.warmup = report, workload, runs, warmup
        self.review, self.slug = workload.review, workload.review.slug
        self.pool = pool
        self.reviewer = workload.reviewers[0]
        self.clients: dict[int, Client] = {}

    def client_of(self, user) -> Client:
        if user.pk not in self.clients:
            self.clients[user.pk] = Client()
            self.clients[user.pk].force_login(user)
        return self.clients[user.pk]

    def take_from_pool(self, count: int) -> list[int]:
        taken, self.pool = self.pool[:count], self.pool[count:]
        if len(taken) < count:
            raise Unanswered(f"needs {count} undecided papers, and only {len(taken)} are left")
        return taken

    # Measuring one figure ------------------------------------------------------------------------------------

    def measure(self, label: str, url: str | None, missing: str, time: Callable[[str, str], Scenario]) -> Outcome:
        """Time ``label`` by ``time(label, url)``, or say why not: no such URL, or the page failed."""
        if url is None:
            return Outcome(label, reason=missing)
        try:
            return Outcome(label, scenario=time(label, url))
        except Unanswered as error:
            return Outcome(label, reason=f"failed: {error}")
        except Exception as error:  # noqa: BLE001 - a page under construction may fail any way; say how
            return Outcome(label, reason=f"failed: {type(error).__name__}: {error}")

    def get(self, user, url: str, *, follow: bool = False):
        response = self.client_of(user).get(url, follow=follow)
        if response.status_code != 200:
            raise Unanswered(f"GET {url} answered {response.status_code}")
        return response

    def timed(self, name: str, target_ms: float, send, **timing) -> Scenario:
        scenario = Scenario(name, lambda run: run, target_ms)
        time_scenario(scenario, send, runs=self.runs, warmup=self.warmup, **timing)
        return scenario

    # 1. Statistics and dashboard as the owner ----------------------------------------------------------------

    def measure_pages(self) -> list[Target]:
        self.report.heading(
            f"Statistics and dashboard as the owner ({self.workload.owner.username}), {self.runs} runs each; "
            "'after a decision': a reviewer decides a paper (untimed) before each request"
        )
        outcomes = []
        for title, name in (("statistics", STATISTICS_URL), ("dashboard", DASHBOARD_URL)):
            url, missing = optional_url(name, [self.slug]), not_available(name)
            outcomes.append(self.measure(f"{title}, repeated", url, missing, self._owner_page))
            outcomes.append(self.measure(f"{title}, after a decision", url, missing, self._owner_page_after_decision))
        self._table(outcomes)
        return [outcome.target(f"< {PAGE_TARGET_MS} ms") for outcome in outcomes]

    def _owner_page(self, label: str, url: str) -> Scenario:
        return self.timed(label, PAGE_TARGET_MS, lambda run: self.get(self.workload.owner, url))

    def _owner_page_after_decision(self, label: str, url: str) -> Scenario:
        """Each request follows a fresh decision, so a page that caches what it shows has to notice the change."""
        papers = self.take_from_pool(self.warmup + 1 + self.runs)
        membership, decisions = self.workload.membership(self.reviewer), DecisionChoice.values

        def decide(run: int) -> None:
            annotating.decide(membership, papers[run], decisions[run % len(decisions)])

        return self.timed(
            label, PAGE_TARGET_MS, lambda run: self.get(self.workload.owner, url), fresh_each_run=True, prepare=decide
        )

    # 2. Screening mode's next paper ----------------------------------------------------------------------------

    def measure_screening(self) -> list[Target]:
        url = optional_url(SCREEN_URL, [self.slug])
        self.report.heading(
            f"Screening mode's next paper as {self.reviewer.username} (GET {url or SCREEN_URL}, redirects followed), "
            f"{self.runs} runs each; {len(self.pool):,} of their assigned papers are left to decide, the last ones "
            "in the review's order"
        )
        expected = ReviewPaper.objects.filter(review=self.review, paper_id__in=self.pool[:1])
        expected_arxiv_id = expected.values_list("paper__arxiv_id", flat=True).first()
        shown = {}

        def screen(title: str):
            def time(label: str, url: str) -> Scenario:
                page = self.get(self.reviewer, url, follow=True).content.decode()
                shown[label] = expected_arxiv_id is not None and expected_arxiv_id in page
                return self.timed(label, SCREEN_TARGET_MS, lambda run: self.get(self.reviewer, url, follow=True))

            return self.measure(title, url, not_available(SCREEN_URL), time)

        outcomes = [screen("next paper, with assignments")]
        assigned = list(Assignment.objects.filter(review=self.review).values_list("paper_id", "user_id"))
        Assignment.objects.filter(review=self.review).delete()
        try:
            outcomes.append(screen("next paper, without assignments"))
        finally:
            Assignment.objects.bulk_create(
                [Assignment(review=self.review, paper_id=paper, user_id=user) for paper, user in assigned],
                batch_size=2000,
            )
        self._table(outcomes)
        for title, found in shown.items():
            self.report.write(
                f"  {title}: the page {'shows' if found else 'does NOT show'} the expected next paper "
                f"(arXiv:{expected_arxiv_id}, the first one left in the review's order)"
            )
        with_, without = (outcome.scenario for outcome in outcomes)
        if with_ and without:
            self.report.write(f"  with ÷ without assignments: {with_.median / without.median:.2f}")
        return [outcome.target(f"< {SCREEN_TARGET_MS} ms") for outcome in outcomes]

    # 3. A resolver's final decisions -----------------------------------------------------------------------

    def measure_resolutions(self) -> list[Target]:
        self.report.heading(
            f"Final-decision POSTs as the resolver ({self.workload.resolver.username}), a plain form POST on a "
            f"different open conflict each run, {self.runs} runs"
        )
        per_scenario = self.warmup + 1 + self.runs
        papers = list(
            ReviewPaper.objects.filter(review=self.review, team_status__in=NEEDS_RESOLUTION)
            .exclude(paper_id__in=self.pool)
            .order_by("paper_id")
            .values_list("paper_id", "paper__arxiv_id")[:per_scenario]
        )
        reason = ExclusionReason.objects.filter(review=self.review).first()
        first = papers[0] if papers else (0, "0000.00000")
        name = next((name for name in RESOLVE_URLS if optional_url(name, *self._resolve_args(first))), None)
        url = optional_url(name, *self._resolve_args(first)) if name else None

        def resolve(label: str, url: str) -> Scenario:
            if len(papers) < per_scenario:
                raise Unanswered(f"needs {per_scenario} open conflicts, and the review has {len(papers)}")

            def post(run: int):
                paper = papers[run]
                review_paper = ReviewPaper.objects.get(review=self.review, paper_id=paper[0])
                data = {"paper": paper[0], "decision": "exclude" if run % 2 else "include"}
                data["note"] = f"Benchmark resolution {run}."
                data.update(reason=reason.pk if run % 2 else "", seen=annotating.votes_seen(review_paper))
                return optional_url(name, *self._resolve_args(paper)), data

            def send(request):
                url, data = request
                response = self.client_of(self.workload.resolver).post(url, data)
                if response.status_code not in (200, 302, 303):
                    raise Unanswered(f"POST {url} answered {response.status_code}")

            scenario = Scenario(label, post, POST_TARGET_MS)
            time_scenario(scenario, send, runs=self.runs, warmup=self.warmup, fresh_each_run=True)
            written = Resolution.objects.standing().filter(review=self.review, paper_id__in=[p for p, _ in papers])
            self.report.write(f"  resolutions written by the POSTs: {written.count()} of {len(papers)}")
            if written.count() < len(papers):
                raise Unanswered(f"only {written.count()} of {len(papers)} POSTs recorded a final decision")
            return scenario

        outcome = self.measure("final decision", url, not_available(RESOLVE_URLS), resolve)
        self._table([outcome])
        return [outcome.target(f"< {POST_TARGET_MS} ms")]

    def _resolve_args(self, paper: tuple[int, str]) -> list[list]:
        return [[self.slug], [self.slug, paper[0]], [self.slug, paper[1]]]

    # Printing ------------------------------------------------------------------------------------------------

    def _table(self, outcomes: list[Outcome]) -> None:
        measured = [outcome.scenario for outcome in outcomes if outcome.scenario]
        if measured:
            self.report.scenarios(measured, width=32)
        for outcome in outcomes:
            if outcome.scenario is None:
                self.report.write(f"  {outcome.label:<32} {outcome.reason}  (load {load_label(current_load())})")
