"""The settings page's Priority order section: an owner changes how many decisions the order waits for; bad values
are refused beside their field and change nothing."""

import pytest
from django.urls import reverse

from reviews.models import Change, PriorityRanking, Review
from tests.factories import logged_in

GOOD = {"screen_by_priority": "on", "priority_min_includes": "1", "priority_min_excludes": "1"}


def save_url(team):
    return reverse("reviews:settings_priority", args=[team.review.slug])


def priority_settings(team):
    return Review.objects.filter(pk=team.review.pk).values(
        "screen_by_priority", "priority_min_includes", "priority_min_excludes"
    )[0]


def test_the_owner_changes_the_priority_settings_and_the_change_is_recorded(client, team):
    data = {"priority_min_includes": "3", "priority_min_excludes": "5"}  # the box unticked

    response = logged_in(client, team.alice).post(save_url(team), data)

    assert response.status_code == 302
    assert response.url.endswith("/settings/#priority")
    assert priority_settings(team) == {
        "screen_by_priority": False,
        "priority_min_includes": 3,
        "priority_min_excludes": 5,
    }
    assert set(Change.objects.values_list("subject", flat=True)) == {
        "screen_by_priority",
        "priority_min_includes",
        "priority_min_excludes",
    }
    page = client.get(response.url)
    assert "Saved the priority order settings." in page.content.decode()


def test_saving_the_same_values_says_nothing_changed(client, team):
    response = logged_in(client, team.alice).post(save_url(team), GOOD, follow=True)

    assert "The priority order settings were already so; nothing changed." in response.content.decode()
    assert not Change.objects.exists()


@pytest.mark.parametrize("field", ["priority_min_includes", "priority_min_excludes"])
@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("0", "At least 1: the model needs an example of each kind."),
        ("-3", "At least 1: the model needs an example of each kind."),
        ("1001", "At most 1,000."),
        ("99999999999999999999", "At most 1,000."),
        ("three", "Enter a whole number."),
        ("2.5", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_a_bad_minimum_is_refused_beside_its_field_and_changes_nothing(client, team, field, value, error):
    PriorityRanking.objects.create(review=team.review)
    before = (priority_settings(team), list(PriorityRanking.objects.values()))

    response = logged_in(client, team.alice).post(save_url(team), {**GOOD, field: value})

    assert response.status_code == 422
    form = response.context["priority_form"]
    assert form.errors == {field: [error]}
    assert error in response.content.decode()
    assert (priority_settings(team), list(PriorityRanking.objects.values())) == before
    assert not Change.objects.exists()


@pytest.mark.parametrize(("user", "status"), [("bob", 403), ("olivia", 403), ("eve", 404)])
def test_only_owners_change_the_priority_settings(client, team, user, status):
    before = priority_settings(team)

    response = logged_in(client, getattr(team, user)).post(save_url(team), {**GOOD, "priority_min_includes": "9"})

    assert response.status_code == status
    assert priority_settings(team) == before


def test_the_priority_settings_need_a_post(client, team):
    assert logged_in(client, team.alice).get(save_url(team)).status_code == 405
