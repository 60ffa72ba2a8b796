"""The benchmark's review workload: blind dual screening by four reviewers in balanced pairs, conflicts a resolver
settles, all written through the write path so every summary agrees; and the ``benchmark`` command's refusal to
run where it could do harm."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from benchmarks import review_workload
from reviews.models import (
    Assignment,
    Change,
    ChangeKind,
    Comment,
    Membership,
    PaperTag,
    Resolution,
    ReviewPaper,
    Role,
    Score,
    ScreeningDecision,
    TeamStatus,
)
from tests.factories import make_paper

PAPERS = 200
SHAPE = review_workload.Shape()


@pytest.fixture
def paper_ids(db):
    return [make_paper().pk for _ in range(PAPERS)]


@pytest.fixture
def workload(paper_ids):
    workload = review_workload.create_review(paper_ids)
    review_workload.add_screening(workload, paper_ids, seed=3)
    return workload


def test_the_review_is_blind_with_two_screeners_an_owner_four_reviewers_a_resolver_and_every_paper(workload):
    review = workload.review
    assert (review.blind, review.required_screeners) == (True, 2)
    roles = Counter(Membership.objects.filter(review=review).values_list("role", flat=True))
    assert roles == {Role.OWNER: 1, Role.REVIEWER: 4, Role.RESOLVER: 1}
    assert len(workload.tags) == len(review_workload.TAG_NAMES)
    assert review.exclusion_reasons.count() == len(review_workload.REASONS)
    assert ReviewPaper.objects.filter(review=review).count() == PAPERS


def test_every_paper_has_two_decisions_by_its_two_assigned_reviewers_and_the_pairs_are_balanced(workload):
    review = workload.review
    decided = set(ScreeningDecision.objects.filter(review=review).values_list("paper", "user"))
    assigned = set(Assignment.objects.filter(review=review).values_list("paper", "user"))
    assert len(decided) == len(assigned) == 2 * PAPERS
    assert decided == assigned
    per_paper = ScreeningDecision.objects.filter(review=review).values("paper").annotate(n=Count("pk"))
    assert {row["n"] for row in per_paper} == {2}
    per_reviewer = Counter(user for _, user in assigned)
    assert set(per_reviewer) == {user.pk for user in workload.reviewers}
    assert max(per_reviewer.values()) - min(per_reviewer.values()) <= 2


def test_the_counts_reported_are_the_rows_written_and_the_shapes_exact_sizes(workload):
    review = workload.review
    expected = SHAPE.counts(PAPERS)
    assert expected == {"decisions": 400, "assignments": 400, "conflicts": 16, "all maybe": 6, "resolutions": 11}
    assert workload.counts == {
        **expected,
        "scores": Score.objects.filter(review=review).count(),
        "paper tags": PaperTag.objects.filter(review=review).count(),
        "comments": Comment.objects.filter(review=review).count(),
    }
    assert workload.counts["scores"] > PAPERS
    assert workload.counts["paper tags"] == round(PAPERS * SHAPE.tags_per_paper)


def test_about_half_the_conflicts_and_all_maybe_papers_are_resolved_and_the_rest_wait(workload):
    review = workload.review
    statuses = Counter(ReviewPaper.objects.filter(review=review).values_list("team_status", flat=True))
    assert statuses[TeamStatus.CONFLICT] == 16 - 8
    assert statuses[TeamStatus.MAYBE] == 6 - 3
    assert statuses[TeamStatus.RESOLVED] == 11 == Resolution.objects.standing().filter(review=review).count()
    assert statuses[TeamStatus.INCLUDED] > 0 and statuses[TeamStatus.EXCLUDED] > statuses[TeamStatus.INCLUDED]
    assert statuses[TeamStatus.UNDECIDED] == statuses[TeamStatus.AWAITING] == 0
    resolved = ReviewPaper.objects.filter(review=review, team_status=TeamStatus.RESOLVED)
    assert set(resolved.values_list("final_decision", flat=True)) <= {"include", "exclude"}
    assert Resolution.objects.filter(review=review, resolved_by=workload.resolver).count() == 11


def test_the_workload_is_written_through_the_write_path_so_check_summaries_is_clean(workload):
    out = StringIO()
    call_command("check_summaries", workload.review.slug, stdout=out)

    assert "Every summary agrees with its annotations." in out.getvalue()
    assert review_workload.summary_mismatches(workload.review) == []


def test_every_decision_score_and_resolution_is_in_the_history_spread_over_the_screening_days(workload):
    review = workload.review
    kinds = Counter(Change.objects.filter(review=review).values_list("kind", flat=True))
    assert kinds[ChangeKind.DECISION] == 2 * PAPERS
    assert kinds[ChangeKind.SCORE] == workload.counts["scores"]
    assert kinds[ChangeKind.RESOLUTION] == 11
    days = {
        at.date() for at in Change.objects.filter(review=review, kind=ChangeKind.DECISION).values_list("at", flat=True)
    }
    assert len(days) == SHAPE.days
    assert {
        at.date() for at in ScreeningDecision.objects.filter(review=review).values_list("updated_at", flat=True)
    } == days


def test_the_same_seed_writes_the_same_decisions(paper_ids):
    decisions = []
    for _ in range(2):
        review_workload.delete_benchmark_review()
        workload = review_workload.create_review(paper_ids)
        review_workload.add_screening(workload, paper_ids, seed=3)
        decisions.append(
            sorted(
                ScreeningDecision.objects.filter(review=workload.review).values_list(
                    "paper", "user__username", "decision"
                )
            )
        )
    assert decisions[0] == decisions[1]


def test_withdrawing_decisions_leaves_a_reviewer_the_last_papers_of_the_review_order(workload):
    reviewer = workload.reviewers[0]

    withdrawn = review_workload.withdraw_decisions(workload, reviewer, 5)

    review = workload.review
    assert len(withdrawn) == 5
    assert not ScreeningDecision.objects.filter(review=review, user=reviewer, paper__in=withdrawn).exists()
    mine = ScreeningDecision.objects.filter(review=review, user=reviewer).values("paper")
    in_order = list(
        ReviewPaper.objects.filter(review=review, paper__in=[*withdrawn, *mine.values_list("paper", flat=True)])
        .exclude(team_status=TeamStatus.RESOLVED)
        .order_by("-paper__submitted_month", "-paper__arxiv_id")
        .values_list("paper_id", flat=True)
    )
    assert in_order[-5:] == withdrawn
    assert set(
        ReviewPaper.objects.filter(review=review, paper__in=withdrawn).values_list("team_status", flat=True)
    ) == {TeamStatus.AWAITING}
    call_command("check_summaries", review.slug, stdout=StringIO())


def test_summary_mismatches_reports_a_wrong_team_status(workload):
    review = workload.review
    decided = ScreeningDecision.objects.filter(review=review).values_list("paper", flat=True).first()
    ReviewPaper.objects.filter(review=review, paper=decided).update(team_status=TeamStatus.UNDECIDED)

    assert [problem.split(":")[0] for problem in review_workload.summary_mismatches(review)] == [f"paper {decided}"]


def test_the_commands_belong_to_the_benchmarks_app():
    commands = get_commands()
    assert commands["benchmark"] == "benchmarks"
    assert commands["generate_corpus"] == "benchmarks"


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor == "postgresql" and "bench" in connection.settings_dict["NAME"],
    reason="the benchmark would run here and empty the papers tables",
)
def test_the_benchmark_refuses_a_database_that_is_not_a_postgresql_benchmark_database():
    refusal = "PostgreSQL only" if connection.vendor != "postgresql" else "does not look like a benchmark database"
    with pytest.raises(CommandError, match=refusal):
        call_command("benchmark", papers=10)


def test_a_review_under_way_screens_enough_papers_for_the_annotations_asked_and_assigns_every_paper(paper_ids):
    screened = review_workload.papers_for_annotations(400, SHAPE)
    workload = review_workload.create_review(paper_ids)
    counts = review_workload.add_screening(workload, paper_ids, seed=3, screened=screened)

    annotations = sum(counts[kind] for kind in ("decisions", "scores", "paper tags", "comments", "resolutions"))
    assert abs(annotations - 400) <= 40
    assert ScreeningDecision.objects.values("paper").distinct().count() == screened < PAPERS
    assert Assignment.objects.filter(review=workload.review).count() == counts["assignments"] == 2 * PAPERS
    call_command("check_summaries", stdout=StringIO())


def test_an_earlier_benchmark_review_is_deleted_with_all_its_rows(workload):
    review_workload.delete_benchmark_review()
    for model in review_workload.REVIEW_MODELS:
        assert not model.objects.exists(), model
