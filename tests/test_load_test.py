"""The load test's simulated reviewers (benchmarks/load/locustfile.py), briefly: three of them log in through the
form, screen, browse, tag and comment against a live server for a few seconds, with no failed request, and every
write they were told was saved is found in the database by the check ``manage.py load_test`` runs."""

import pytest
from django.core.management import call_command
from django.db import connection

from benchmarks.load import accepted_writes, ledger, plan, results, servers, team_review
from reviews import annotating
from reviews.models import Membership, ScreeningDecision
from tests.factories import make_paper

SECONDS = 12


@pytest.fixture
def load_review(transactional_db):
    papers = [make_paper(f"2401.{number:05d}", abstract=f"Language models, study {number}.") for number in range(60)]
    return team_review.build([paper.pk for paper in papers], reviewers=3)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
)
def test_simulated_reviewers_save_what_they_are_told_is_saved(load_review, live_server, settings, tmp_path):
    # The public host and HTTPS origin the reviewers send, as they would through the proxy.
    settings.ALLOWED_HOSTS = [plan.PUBLIC_HOST]
    settings.CSRF_TRUSTED_ORIGINS = [f"https://{plan.PUBLIC_HOST}"]
    plan_path = plan.write_plan(
        load_review.review, load_review.reviewers, [live_server.url], tmp_path, think=(0.1, 0.4)
    )

    servers.run_locust(
        plan_path, tmp_path / "locust", users=3, spawn_rate=3, seconds=SECONDS, log_path=tmp_path / "locust.log"
    )

    kinds = {kind.name: kind for kind in results.read_stats(tmp_path / "locust")}
    failures = results.read_failures(tmp_path / "locust")
    assert failures == [], (tmp_path / "locust.log").read_text()
    assert kinds["login"].requests == 3
    assert kinds["decide (screening)"].requests > 0
    records = ledger.load(tmp_path / "ledger.json")
    assert accepted_writes.count_by_kind(records).get("decision", 0) > 0
    assert accepted_writes.missing_writes(load_review.review, records) == []
    call_command("check_summaries", team_review.SLUG)


def test_a_lost_write_is_reported(load_review):
    reviewer = Membership.objects.select_related("review", "user").get(user__username=load_review.reviewers[0])
    paper_id = load_review.review.review_papers.values_list("paper_id", flat=True).first()
    annotating.decide(reviewer, paper_id, "include")
    records = [{"kind": "decision", "user": reviewer.user.username, "paper": paper_id, "value": ["include", None]}]
    records[0]["maybe"] = []
    assert accepted_writes.missing_writes(load_review.review, records) == []

    ScreeningDecision.objects.filter(review=load_review.review, paper_id=paper_id, user=reviewer.user).delete()

    assert accepted_writes.missing_writes(load_review.review, records) == [
        f"decision of {reviewer.user.username} on paper {paper_id}: None, told ['include', None]"
    ]
