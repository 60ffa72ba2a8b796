"""An invitation link used by two people at the same moment, and two owners creating like-named reviews."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from reviews.models import Invitation, Membership, Review, Role
from tests.concurrency import post_all_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
    ),
]


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
