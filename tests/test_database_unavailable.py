"""While the database cannot be reached a request gets a styled 503 "temporarily unavailable" page, not a
traceback, and the next request after it is back works with no restart."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

REFUSED = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def browser(team):
    client = Client(raise_request_exception=False)
    client.force_login(team.bob)
    return client


def test_a_page_during_an_outage_is_a_styled_503_then_works_again(browser, team):
    url = reverse("reviews:paper_list", args=[team.review.slug])

    with mock.patch.object(connection, "cursor", side_effect=REFUSED):
        response = browser.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Marginalia is temporarily unavailable" in response.text
    assert 'class="site-header"' in response.text
    assert "Traceback" not in response.text and "Connection refused" not in response.text
    assert browser.get(url).status_code == 200


def test_a_post_during_an_outage_says_it_was_not_saved(browser, team):
    with mock.patch.object(connection, "cursor", side_effect=InterfaceError("connection already closed")):
        response = browser.post(reverse("reviews:score", args=[team.review.slug, team.paper.pk]), {"value": "4"})

    assert response.status_code == 503
    assert "it was not saved" in response.text


def test_an_htmx_request_during_an_outage_gets_a_503(browser, team):
    url = reverse("reviews:paper_list", args=[team.review.slug])
    with mock.patch.object(connection, "cursor", side_effect=REFUSED):
        response = browser.get(url, headers={"HX-Request": "true"})

    assert response.status_code == 503


def test_an_outage_while_loading_the_session_is_a_503_too(team):
    # The session is read in the middleware, before any view: the 500 handler is what catches this.
    client = Client(raise_request_exception=False)
    client.force_login(team.bob)
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=REFUSED):
        response = client.get(reverse("reviews:home"))

    assert response.status_code == 503
    assert "temporarily unavailable" in response.text


def test_other_errors_are_still_a_500(team):
    client = Client(raise_request_exception=False)
    client.force_login(team.bob)
    with mock.patch.object(connection, "cursor", side_effect=RuntimeError("a bug")):
        response = client.get(reverse("reviews:paper_list", args=[team.review.slug]))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
