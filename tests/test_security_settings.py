"""The security headers and cookies every page carries, and the settings read from the environment."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from config.settings import email_settings, envint
from tests.factories import make_user


def policy(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


def test_pages_carry_a_policy_that_allows_no_inline_or_eval_script(client, db):
    response = client.get(reverse("login"))

    found = policy(response)
    assert found["script-src"] == ["'self'"]
    assert found["default-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["style-src"] == ["'self'"]
    # Only style attributes may be inline: the tag chips' colours (config/settings.py says why).
    assert found["style-src-attr"] == ["'unsafe-inline'"]


def test_the_admin_carries_the_policy_too(client, db):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x"))

    assert "script-src 'self'" in client.get(reverse("admin:index"))["Content-Security-Policy"]


def test_htmx_is_told_not_to_eval_or_inject_styles(client, db):
    response = client.get(reverse("login"))

    assert '"allowEval": false' in response.text
    assert '"includeIndicatorStyles": false' in response.text
    assert "<script>" not in response.text


def test_the_csrf_and_session_cookies_are_http_only(client, db):
    make_user("alice")
    client.get(reverse("login"))
    csrf = client.cookies["csrftoken"]
    client.post(reverse("login"), {"username": "alice", "password": "correct horse battery staple"})
    session = client.cookies["sessionid"]

    assert csrf["httponly"] and session["httponly"]
    assert csrf["samesite"] == "Lax" and session["samesite"] == "Lax"


def test_htmx_gets_the_csrf_token_from_the_page_not_the_cookie(client, db):
    client.force_login(make_user("alice"))

    response = client.get(reverse("reviews:home"))

    assert '<body hx-headers=\'{"X-CSRFToken": "' in response.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        (
            "smtp://mailer%40example.org:p%40ss@smtp.example.org",
            {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "smtp.example.org",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "mailer@example.org",
                "EMAIL_HOST_PASSWORD": "p@ss",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        ("smtps://u:p@smtp.example.org:2465", {"EMAIL_PORT": 2465, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True}),
        ("smtp+plain://localhost", {"EMAIL_PORT": 25, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False}),
    ],
)
def test_email_url_gives_the_mail_settings(url, expected):
    assert email_settings(url).items() >= expected.items()


@pytest.mark.parametrize("url", ["http://smtp.example.org", "smtp://", "smtp://host:notaport", "mailto:x@y"])
def test_a_malformed_email_url_is_refused_at_start(url):
    with pytest.raises(ImproperlyConfigured):
        email_settings(url)


@pytest.mark.parametrize("value", ["five", "1.5", "-1", "0"])
def test_a_number_setting_refuses_what_is_not_a_whole_number_in_range(monkeypatch, value):
    monkeypatch.setenv("MARGINALIA_LOGIN_FAILURE_LIMIT", value)

    with pytest.raises(ImproperlyConfigured, match="MARGINALIA_LOGIN_FAILURE_LIMIT"):
        envint("MARGINALIA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
