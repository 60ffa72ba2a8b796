"""403, 404, 500 and CSRF failures answer in the site's layout, with a way home."""

import pytest
from django.test import Client
from django.urls import reverse

from config.views import server_error
from reviews.models import Score

HOME_LINK = 'href="/"'


def test_an_observer_opening_settings_gets_the_site_layout_and_a_link_home(client, team):
    client.force_login(team.olivia)

    response = client.get(reverse("reviews:settings", args=[team.review.slug]))

    assert response.status_code == 403
    assert "owners can change its settings." in response.text
    assert 'class="site-header"' in response.text
    assert HOME_LINK in response.text
    assert "olivia" in response.text  # still shown as logged in


def test_a_refused_htmx_request_gets_the_message_alone_for_the_swap(client, team):
    client.force_login(team.olivia)

    response = client.post(
        reverse("reviews:score", args=[team.review.slug, team.paper.pk]), {"value": "3"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 403
    assert "<html" not in response.text
    assert 'role="alert"' in response.text


def test_an_unknown_address_gets_a_404_in_the_site_layout(client, team):
    client.force_login(team.bob)

    response = client.get("/reviews/no-such-review/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'class="site-header"' in response.text
    assert HOME_LINK in response.text


def test_the_500_page_needs_no_request_context(rf, db):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert HOME_LINK in response.content.decode()


def test_the_500_page_falls_back_to_plain_html_when_its_template_fails(rf, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False}]

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.urls("tests.error_urls")
def test_an_uncaught_exception_gets_the_500_page(db):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


def test_a_form_posted_without_its_csrf_token_gets_the_site_layout(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.bob)

    response = client.post(reverse("reviews:score", args=[team.review.slug, team.paper.pk]), {"value": "3"})

    assert response.status_code == 403
    assert "That form could not be accepted" in response.text
    assert 'class="site-header"' in response.text
    assert HOME_LINK in response.text
    assert not Score.objects.exists()
