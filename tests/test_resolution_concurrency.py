"""Screeners voting while a resolver resolves, and two resolvers at once: nothing is lost, the losers are told."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from reviews import annotating
from reviews.models import Change, ChangeKind, Resolution, ReviewPaper, ScreeningDecision
from tests import concurrency
from tests.dual_review import dual, member  # noqa: F401 - a fixture
from tests.factories import make_paper

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
    ),
]
HTMX = {"HX-Request": "true"}
ROUNDS = 4


@pytest.fixture(autouse=True)
def summaries_agree_afterwards(db):
    yield
    call_command("check_summaries")  # raises CommandError if any paper's summary disagrees with its rows


def in_conflict(dual, paper):  # noqa: F811
    """``paper`` with bob including and carol excluding it; the fingerprint a resolver's form carries."""
    annotating.decide(member(dual.review, dual.bob), paper.pk, "include")
    annotating.decide(member(dual.review, dual.carol), paper.pk, "exclude")
    return annotating.votes_seen(ReviewPaper.objects.get(review=dual.review, paper=paper))


def test_votes_cast_while_a_resolver_resolves_are_all_kept(dual):  # noqa: F811
    resolve_url = reverse("reviews:conflict_resolve", args=[dual.review.slug])
    for round_ in range(ROUNDS):
        paper = make_paper(f"2310.{round_:05d}")
        dual.review.add_papers([paper.pk])
        seen = in_conflict(dual, paper)
        decide_url = reverse("reviews:decide", args=[dual.review.slug, paper.pk])
        responses = concurrency.send_all_at_once(
            [
                (dual.bob, decide_url, {"decision": "exclude"}),
                (dual.alice, decide_url, {"decision": "include"}),
                (dual.rosa, resolve_url, {"paper": paper.pk, "seen": seen, "decision": "include"}),
            ],
            headers=HTMX,
        )
        assert [r.status_code for r in responses[:2]] == [200, 200]
        votes = dict(ScreeningDecision.objects.filter(paper=paper).values_list("user__username", "decision"))
        assert votes == {"bob": "exclude", "carol": "exclude", "alice": "include"}
        resolution = Resolution.objects.filter(paper=paper).first()
        if responses[2].status_code == 200:
            # The resolver went first; the votes after it reopened the conflict, and the queue says so.
            assert resolution.reopened_at is not None
        else:
            assert responses[2].status_code == 409 and resolution is None
            body = responses[2].content.decode()
            assert annotating.STALE_MESSAGE in body or "no longer in conflict" in body
        assert ReviewPaper.objects.get(review=dual.review, paper=paper).team_status == "conflict"


def test_two_resolvers_at_once_one_wins_and_the_other_is_told(dual):  # noqa: F811
    resolve_url = reverse("reviews:conflict_resolve", args=[dual.review.slug])
    for round_ in range(ROUNDS):
        paper = make_paper(f"2311.{round_:05d}")
        dual.review.add_papers([paper.pk])
        seen = in_conflict(dual, paper)
        responses = concurrency.send_all_at_once(
            [
                (dual.rosa, resolve_url, {"paper": paper.pk, "seen": seen, "decision": "include"}),
                (dual.alice, resolve_url, {"paper": paper.pk, "seen": seen, "decision": "exclude", "note": "No."}),
            ],
            headers=HTMX,
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        winner, loser = sorted(responses, key=lambda r: r.status_code)
        assert annotating.STALE_MESSAGE in loser.content.decode()
        resolution = Resolution.objects.get(paper=paper)
        assert resolution.decision == ("include" if responses[0] is winner else "exclude")
        assert Change.objects.filter(paper=paper, kind=ChangeKind.RESOLUTION).count() == 1
        review_paper = ReviewPaper.objects.get(review=dual.review, paper=paper)
        assert (review_paper.team_status, review_paper.final_decision) == ("resolved", resolution.decision)
