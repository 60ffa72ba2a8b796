"""The review benchmark end to end at a tiny size: it builds the blind dual-screening workload, checks it, times
every figure, and reports the pages this code does not have yet as "not available" instead of failing; with
those pages present (stand-ins here), it times them and checks what they did."""

import sys
from io import StringIO

import pytest
from django.contrib.auth.decorators import login_required
from django.core.management import call_command
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import include, path

from benchmarks.reporting import Report
from benchmarks.review_benchmark import ReviewBenchmark
from benchmarks.screening_benchmark import ScreeningBenchmark, not_available, optional_url
from config import urls as project_urls
from reviews import annotating
from reviews import urls as review_urls
from reviews.access import get_membership
from reviews.models import Assignment, Change, ChangeKind, ReviewPaper, ScreeningDecision, TeamStatus
from tests.factories import make_paper

PAPERS = 200
MISSING = {
    "statistics": "not available (no URL named reviews:statistics)",
    "dashboard": "not available (no URL named reviews:dashboard)",
    "screen": "not available (no URL named reviews:screen)",
    "resolve": "not available (no URL named reviews:conflict_resolve or reviews:resolve)",
}


def run_benchmark(out: StringIO):
    for _ in range(PAPERS):
        make_paper()
    report = Report(OutputWrapper(out), no_style())
    return ReviewBenchmark(report, runs=2, warmup=0, seed=1, explain=False).run(profile=False)


def by_label(targets) -> dict:
    return {target.label: target for target in targets}


@pytest.mark.django_db
def test_every_figure_is_measured_on_the_real_pages():
    out = StringIO()

    measured = run_benchmark(out)
    targets = by_label(measured)

    printed = out.getvalue()
    assert "Every summary agrees with its annotations." in printed
    assert targets["check_summaries after the load"].passed is True
    for page in ("statistics, repeated", "statistics, after a decision", "dashboard, repeated"):
        assert targets[page].value.endswith(" ms") and targets[page].passed is not None
    for screen in ("next paper, with assignments", "next paper, without assignments", "final decision"):
        assert targets[screen].value.endswith(" ms")
    assert "not available" not in printed and "failed" not in printed
    # The list in both blind modes, with the ratio of each pair beside its figure.
    assert targets["review list, unfiltered"].value.endswith(" ms")
    assert targets["review list, unfiltered"].load is not None
    # Counted in the list: two ratios whose open pages took the same time have the same label.
    ratios = [target for target in measured if target.label.startswith("  blind ÷ open")]
    assert len(ratios) == 11 and all(float(target.value) > 0 for target in ratios)
    assert targets["POST, decide (first vote)"].passed is not None
    assert targets["POST, decide (reopens a resolution)"].passed is not None
    # The POSTs went through the write path; the assignments are back after the screening timings without them.
    call_command("check_summaries", stdout=StringIO())
    assert Assignment.objects.count() == 2 * PAPERS
    # Each reopening POST is on the record, whether or not the resolver's POSTs then settled it again.
    assert Change.objects.filter(kind=ChangeKind.RESOLUTION, after={"reopened": True}).count() == 3


def test_a_url_name_that_does_not_reverse_is_none_and_says_so():
    assert optional_url("reviews:no_such_page", ["a-review"]) is None
    assert optional_url("reviews:paper_list", [1, 2], ["a-review"]) == "/reviews/a-review/"
    assert not_available("reviews:statistics") == MISSING["statistics"]
    assert not_available(("reviews:resolve", "reviews:final")) == (
        "not available (no URL named reviews:resolve or reviews:final)"
    )


# Stand-ins for the pages built elsewhere, so the measuring code is tested against pages that answer.


@login_required
def stand_in_page(request, slug):
    get_membership(request.user, slug)
    return HttpResponse("<p>A page.</p>")


@login_required
def stand_in_screen(request, slug):
    """The first paper in the review's order that needs my decision: assigned to me if the review assigns."""
    membership = get_membership(request.user, slug)
    papers = ReviewPaper.objects.filter(review=membership.review).exclude(
        paper__in=ScreeningDecision.objects.filter(review=membership.review, user=request.user).values("paper")
    )
    if Assignment.objects.filter(review=membership.review).exists():
        papers = papers.filter(paper__assignments__user=request.user, paper__assignments__review=membership.review)
    else:
        papers = papers.filter(team_status__in=[TeamStatus.UNDECIDED, TeamStatus.AWAITING])
    first = papers.order_by("-paper__submitted_month", "-paper__arxiv_id").values("paper__arxiv_id").first()
    return HttpResponse(f"<p>Next: {first and first['paper__arxiv_id']}</p>")


@login_required
def stand_in_resolve(request, slug):
    """As the conflicts queue's form: the paper in the form, a redirect to the queue after."""
    membership = get_membership(request.user, slug)
    reason = request.POST.get("reason") or None
    annotating.resolve(
        membership, int(request.POST["paper"]), request.POST["decision"], reason and int(reason),
        request.POST["note"], seen=request.POST["seen"],
    )  # fmt: skip
    return HttpResponseRedirect(f"/reviews/{slug}/conflicts/")


stand_ins = [
    path("reviews/<slug:slug>/statistics/", stand_in_page, name="statistics"),
    path("reviews/<slug:slug>/dashboard/", stand_in_page, name="dashboard"),
    path("reviews/<slug:slug>/screen/", stand_in_screen, name="screen"),
    path("reviews/<slug:slug>/conflicts/resolve/", stand_in_resolve, name="conflict_resolve"),
]
# The project's URLs, with the stand-ins added to the reviews namespace.
urlpatterns = [
    path("", include((review_urls.urlpatterns + stand_ins, "reviews"))),
    *(pattern for pattern in project_urls.urlpatterns if getattr(pattern, "namespace", None) != "reviews"),
]


@pytest.mark.django_db
def test_with_the_pages_present_each_is_timed_and_what_it_did_is_checked(settings):
    settings.ROOT_URLCONF = sys.modules[__name__]
    out = StringIO()

    targets = by_label(run_benchmark(out))

    printed = out.getvalue()
    for label in (
        "statistics, repeated",
        "statistics, after a decision",
        "dashboard, repeated",
        "dashboard, after a decision",
        "next paper, with assignments",
        "next paper, without assignments",
        "final decision",
    ):
        assert targets[label].value.endswith(" ms"), (label, targets[label])
        assert targets[label].load is not None
    assert "not available" not in printed
    assert "next paper, with assignments: the page shows the expected next paper" in printed
    assert "next paper, without assignments: the page shows the expected next paper" in printed
    assert "resolutions written by the POSTs: 3 of 3" in printed
    assert "with ÷ without assignments:" in printed
    call_command("check_summaries", stdout=StringIO())


@pytest.mark.django_db
def test_a_page_that_fails_is_reported_with_its_answer_and_the_rest_still_runs(settings):
    settings.ROOT_URLCONF = sys.modules[__name__]
    out = StringIO()
    for _ in range(PAPERS):
        make_paper()
    from benchmarks import review_workload

    paper_ids = review_workload.all_paper_ids()
    workload = review_workload.create_review(paper_ids)
    review_workload.add_screening(workload, paper_ids, seed=1)
    pool = review_workload.withdraw_decisions(workload, workload.reviewers[0], 20)
    benchmark = ScreeningBenchmark(Report(OutputWrapper(out), no_style()), workload, runs=2, warmup=0, pool=pool)
    benchmark.slug = "no-such-review"  # the pages answer 404 for it

    targets = by_label(benchmark.measure_pages() + benchmark.measure_screening())

    assert targets["statistics, repeated"].value == "failed: GET /reviews/no-such-review/statistics/ answered 404"
    assert targets["statistics, repeated"].passed is None
    assert "failed: GET /reviews/no-such-review/screen/ answered 404" in out.getvalue()
    assert Assignment.objects.filter(review=workload.review).count() == 2 * PAPERS


@pytest.mark.django_db
def test_lists_only_times_the_lists_and_the_framework_overhead_over_a_review_partly_screened():
    for _ in range(PAPERS):
        make_paper()
    out = StringIO()
    report = Report(OutputWrapper(out), no_style())
    benchmark = ReviewBenchmark(report, runs=2, warmup=0, seed=1, explain=False, annotations=200, lists_only=True)

    targets = by_label(benchmark.run(profile=False))

    # About 200 annotations: some fifty papers screened, every paper assigned to two reviewers.
    screened = ScreeningDecision.objects.values("paper").distinct().count()
    assert 40 <= screened <= 60
    assert Assignment.objects.count() == 2 * PAPERS
    assert targets["review list p95, unfiltered"].value.endswith(" ms")
    assert "framework overhead: page ÷ bare SQL" in targets
    assert not any(label.startswith("POST") for label in targets)
    assert [name for name, _ in report.steps] == [
        "review setup (workload, check_summaries)",
        "review list: timings, query plans, framework overhead",
    ]

    again = ReviewBenchmark(report, runs=2, warmup=0, seed=1, explain=False, reuse=True, lists_only=True)
    assert "review list p95, unfiltered" in by_label(again.run(profile=False))
    assert ScreeningDecision.objects.values("paper").distinct().count() == screened
