"""A person who forgot their password gets a link by e-mail, chooses a new one and logs in with it."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser import browser_page  # noqa: F401 - a fixture
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a brand new passphrase 42"  # noqa: S105


def test_a_forgotten_password_is_reset_from_the_login_page(live_server, browser_page, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alice = make_user("alice")
    alice.email = "alice@example.org"
    alice.save()
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("alice@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("not the same")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("alert")).to_contain_text("didn’t match")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
