"""An invitation link used by two people at the same moment, and two owners creating like-named reviews."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from reviews.models import Invitation, Membership, Review, Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
    ),
]


def post_all_at_once(requests):
    """POST every (user or None, url, data) from its own thread and client, released together; the status codes."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def worker(index, user, url, data):
        client = Client()
        if user is not None:
            client.force_login(user)
        barrier.wait()
        try:
            statuses[index] = client.post(url, data).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_one_link_opened_by_two_people_at_once_lets_exactly_one_join(team):
    invitation = Invitation.objects.invite(team.review, "nina@example.org", Role.REVIEWER, invited_by=team.alice)
    url = invitation.get_absolute_url()
    account = {"username": "nina", "password1": "a long enough passphrase", "password2": "a long enough passphrase"}

    statuses = post_all_at_once([(team.eve, url, {}), (None, url, account)])

    assert sorted(statuses) == [302, 410]
    joined = set(
        Membership.objects.filter(review=team.review, user__username__in=["eve", "nina"]).values_list(
            "user__username", flat=True
        )
    )
    assert len(joined) == 1
    # A newcomer who lost the race has no half-made account.
    assert get_user_model().objects.filter(username="nina").exists() == (joined == {"nina"})


def test_two_reviews_created_at_once_with_one_title_get_distinct_slugs(team):
    url = reverse("reviews:create")

    statuses = post_all_at_once([(team.alice, url, {"title": "Agents"}), (team.eve, url, {"title": "Agents"})])

    assert statuses == [302, 302]
    assert sorted(Review.objects.filter(title="Agents").values_list("slug", flat=True)) == ["agents", "agents-2"]
    assert Membership.objects.filter(review__title="Agents", role=Role.OWNER).count() == 2
