"""The benchmark's review workload: the team and annotations it writes, and a summary refresh that agrees with
``reviews.summaries``; and the ``benchmark`` command's refusal to run where it could do harm."""

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection

from benchmarks import review_workload
from reviews.models import Comment, Membership, PaperTag, ReviewPaper, Role, Score, ScreeningDecision, TeamStatus
from tests.factories import make_paper

PAPERS = 60
ANNOTATIONS = 240
SUMMARY_COLUMNS = (
    "team_status",
    "include_count",
    "maybe_count",
    "exclude_count",
    "score_count",
    "score_mean",
    "score_min",
    "score_max",
    "comment_count",
)


@pytest.fixture
def workload(db):
    paper_ids = [make_paper().pk for _ in range(PAPERS)]
    workload = review_workload.create_review(paper_ids)
    review_workload.add_annotations(workload, paper_ids, ANNOTATIONS, seed=3)
    return workload


def summaries(review) -> dict[int, dict]:
    """Each paper's summary columns, the mean rounded: SQL's AVG and Django's Avg may differ in the last bit."""
    rows = ReviewPaper.objects.filter(review=review).values("paper", *SUMMARY_COLUMNS)
    return {row.pop("paper"): {**row, "score_mean": row["score_mean"] and round(row["score_mean"], 9)} for row in rows}


def test_the_review_has_an_owner_three_reviewers_a_vocabulary_and_every_paper(workload):
    roles = sorted(Membership.objects.filter(review=workload.review).values_list("role", flat=True))
    assert roles == sorted([Role.OWNER] + [Role.REVIEWER] * 3)
    assert len(workload.tags) == len(review_workload.TAG_NAMES)
    assert workload.review.exclusion_reasons.count() == len(review_workload.REASONS)
    assert ReviewPaper.objects.filter(review=workload.review).count() == PAPERS


def test_the_annotations_counted_are_the_rows_written(workload):
    review = workload.review
    assert workload.counts == {
        "decisions": ScreeningDecision.objects.filter(review=review).count(),
        "scores": Score.objects.filter(review=review).count(),
        "paper tags": PaperTag.objects.filter(review=review).count(),
        "comments": Comment.objects.filter(review=review).count(),
    }
    assert workload.counts["decisions"] > workload.counts["scores"] > workload.counts["comments"] > 0
    assert Comment.objects.filter(review=review, parent__isnull=False).exists()
    # Every reviewer's own annotations only: the owner screens nothing.
    assert set(ScreeningDecision.objects.filter(review=review).values_list("user", flat=True)) == {
        user.pk for user in workload.reviewers
    }


def test_the_same_seed_writes_the_same_decisions(db):
    paper_ids = [make_paper().pk for _ in range(PAPERS)]
    decisions = []
    for _ in range(2):
        review_workload.delete_benchmark_review()
        workload = review_workload.create_review(paper_ids)
        review_workload.add_annotations(workload, paper_ids, ANNOTATIONS, seed=3)
        decisions.append(
            sorted(
                ScreeningDecision.objects.filter(review=workload.review).values_list(
                    "paper", "user__username", "decision"
                )
            )
        )
    assert decisions[0] == decisions[1]


def test_the_workload_is_written_through_the_write_path_so_every_summary_agrees(workload):
    call_command("check_summaries", workload.review.slug)

    statuses = set(ReviewPaper.objects.filter(review=workload.review).values_list("team_status", flat=True))
    assert {TeamStatus.UNDECIDED, TeamStatus.CONFLICT} <= statuses
    assert review_workload.summary_mismatches(workload.review) == []


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
