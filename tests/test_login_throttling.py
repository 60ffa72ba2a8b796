"""Login throttling (django-axes): five failures for a username from one address lock that pair out for a while,
with a page that says so; a success clears the count; the admin's login is covered too."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

PASSWORD = "correct horse battery staple"  # noqa: S105


@pytest.fixture
def alice(db):
    return make_user("alice")


def log_in(client, username="alice", password="wrong", url=None, address="203.0.113.7"):  # noqa: S107
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_fifth_failure_locks_the_username_out_with_a_clear_429_page(client, alice):
    for _ in range(4):
        response = log_in(client)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text

    response = log_in(client)

    assert response.status_code == 429
    assert "Too many failed logins for this username from your address. Try again in 15 minutes" in response.text
    assert 'class="site-header"' in response.text
    assert reverse("password_reset") in response.text
    assert 'value="alice"' in response.text


def test_a_locked_out_username_is_refused_even_with_the_right_password(client, alice):
    for _ in range(5):
        log_in(client)

    response = log_in(client, password=PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_for_that_username_from_that_address_only(client, alice):
    make_user("bob")
    for _ in range(5):
        log_in(client)

    assert log_in(client, "bob", PASSWORD).status_code == 302
    assert log_in(Client(), "alice", PASSWORD, address="198.51.100.2").status_code == 302


def test_a_success_clears_the_failures(client, alice):
    for _ in range(4):
        log_in(client)
    assert log_in(client, password=PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        assert log_in(client).status_code == 200

    assert log_in(client, password=PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, alice, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(5):
        log_in(client)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))

    assert log_in(client, password=PASSWORD).status_code == 302


def test_the_limit_and_the_cool_off_come_from_the_settings(client, alice, settings):
    from datetime import timedelta

    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)

    assert log_in(client).status_code == 200
    response = log_in(client)

    assert response.status_code == 429
    assert "Try again in 1 minute," in response.text


def test_the_admin_login_is_throttled_too(client, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    url = reverse("admin:login")
    for _ in range(4):
        assert log_in(client, "root", url=url).status_code == 200

    assert log_in(client, "root", url=url).status_code == 429
    assert log_in(client, "root", PASSWORD, url=url).status_code == 429


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, alice, settings):
    settings.MARGINALIA_PROXY_COUNT = 1

    for forged in range(5):
        # The client's own claims come first in X-Forwarded-For; the proxy appends the real address last.
        client.post(
            reverse("login"),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{forged}, 203.0.113.7",
        )

    from axes.models import AccessAttempt

    assert list(AccessAttempt.objects.values_list("ip_address", "failures_since_start")) == [("203.0.113.7", 5)]
    assert log_in(client, password=PASSWORD, address="10.0.0.1").status_code == 302  # another client's address


def test_the_login_page_links_to_password_reset(client, db):
    response = client.get(reverse("login"))

    assert f'href="{reverse("password_reset")}">Forgot your password?</a>' in response.text


def test_trying_again_during_the_lockout_starts_the_wait_again(client, alice):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(5):
        log_in(client)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=10))

    response = log_in(client)

    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.text  # true again: this try restarted the wait
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=10))
    assert log_in(client, password=PASSWORD).status_code == 429


def test_a_hostile_username_is_refused_like_any_wrong_one_and_counted_cut_short(client, alice):
    from axes.models import AccessAttempt

    for _ in range(5):
        response = log_in(client, username="x" * 100_000, password="y" * 100_000)
    assert response.status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["x" * 150]
    # A list of usernames reads as its last one, as Django's forms read it.
    response = client.post(reverse("login"), {"username": ["alice", "bob"], "password": ["a", "b"]})
    assert response.status_code == 200
