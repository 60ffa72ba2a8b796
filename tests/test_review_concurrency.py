"""Two reviewers acting on one paper at the same moment: nothing is lost, nothing raises."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from reviews.models import PaperTag, ReviewPaper, Score, ScreeningDecision, Tag

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
    ),
]


def post_all_at_once(requests):
    """POST every (user, url, data) from its own thread and client, released together; the status codes."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def worker(index, user, url, data):
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            statuses[index] = client.post(url, data, headers={"HX-Request": "true"}).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_two_reviewers_creating_the_same_new_tag_at_once_share_one_tag(team):
    url = reverse("reviews:tag_add", args=[team.review.slug, team.paper.pk])

    statuses = post_all_at_once([(team.bob, url, {"name": "Efficiency"}), (team.dave, url, {"name": "efficiency "})])

    assert statuses == [200, 200]
    assert Tag.objects.filter(review=team.review).count() == 1
    assert PaperTag.objects.filter(review=team.review, paper=team.paper).count() == 1


def test_simultaneous_scores_and_decisions_are_all_kept_and_summed_up(team):
    score = reverse("reviews:score", args=[team.review.slug, team.paper.pk])
    decide = reverse("reviews:decide", args=[team.review.slug, team.paper.pk])

    statuses = post_all_at_once(
        [
            (team.bob, score, {"value": "2"}),
            (team.dave, score, {"value": "4"}),
            (team.alice, score, {"value": "5"}),
            (team.bob, decide, {"decision": "include"}),
            (team.dave, decide, {"decision": "exclude"}),
        ]
    )

    assert statuses == [200] * 5
    summary = ReviewPaper.objects.get(review=team.review, paper=team.paper)
    assert Score.objects.filter(paper=team.paper).count() == 3
    assert (summary.score_count, summary.score_min, summary.score_max) == (3, 2, 5)
    assert ScreeningDecision.objects.filter(paper=team.paper).count() == 2
    assert summary.team_status == "conflict"


def test_a_double_submitted_score_leaves_one_row(team):
    url = reverse("reviews:score", args=[team.review.slug, team.paper.pk])

    statuses = post_all_at_once([(team.bob, url, {"value": "3"}), (team.bob, url, {"value": "3"})])

    assert statuses == [200, 200]
    assert Score.objects.filter(user=team.bob).count() == 1
