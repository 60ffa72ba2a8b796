"""Password reset through Django's views, in the site's layout: the e-mailed link sets a new password once."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

NEW_PASSWORD = "a brand new passphrase 42"  # noqa: S105


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Marginalia <noreply@marginalia.example.org>"


@pytest.fixture
def alice(db):
    user = make_user("alice")
    user.email = "alice@example.org"
    user.save()
    return user


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)


def test_the_emailed_link_sets_a_new_password(client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"}, follow=True)

    assert "Check your e-mail" in response.text
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reset your Marginalia password"
    assert message.from_email == "Marginalia <noreply@marginalia.example.org>"
    assert "Your username is alice." in message.body

    form = client.get(reset_link(message), follow=True)
    assert "Choose a new password" in form.text
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )

    assert "Your password is changed" in done.text
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert client.post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD}).status_code == 302


def test_the_link_works_once(client, alice):
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    link = reset_link(mail.outbox[0])
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert "This link no longer works" in again.text
    assert 'class="site-header"' in again.text


def test_a_tampered_link_is_refused_politely(client, alice):
    response = client.get("/accounts/reset/MQ/not-a-token/", follow=True)

    assert response.status_code == 200
    assert "This link no longer works" in response.text


def test_a_weak_or_mismatched_password_is_explained(client, alice):
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    url = form.redirect_chain[-1][0]

    mismatched = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    common = client.post(url, {"new_password1": "password", "new_password2": "password"})

    assert "The two password fields didn’t match." in mismatched.text
    assert "This password is too common." in common.text
    alice.refresh_from_db()
    assert not alice.check_password(NEW_PASSWORD)


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, alice):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)

    assert "Check your e-mail" in response.text
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["", "not an address", "a@b.c" + "x" * 300, "nul\x00@example.org"])
def test_a_malformed_address_gets_a_message_not_an_error(client, alice, email):
    response = client.post(reverse("password_reset"), {"email": email})

    assert response.status_code in (200, 400)
    assert mail.outbox == []
    if response.status_code == 200:
        assert 'class="error"' in response.text


def test_the_admin_login_offers_the_reset_too(client, db):
    response = client.get(reverse("admin:login"))

    assert reverse("admin_password_reset") in response.text


def test_a_user_without_a_usable_password_gets_no_mail(client, db):
    user = get_user_model().objects.create_user("sso", email="sso@example.org")
    assert not user.has_usable_password()

    client.post(reverse("password_reset"), {"email": "sso@example.org"})

    assert mail.outbox == []
