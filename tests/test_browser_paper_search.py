import re

import pytest
from playwright.sync_api import expect

from tests.browser import browser_page, login  # noqa: F401 - a fixture
from tests.factories import make_paper, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_search_updates_the_list_and_the_url_in_place(live_server, browser_page):  # noqa: F811
    make_paper("2201.11903", title="Chain-of-Thought Prompting Elicits Reasoning")
    make_paper("2305.06500", abstract="Vision-language instruction tuning with InstructBLIP.")
    make_user("reader")
    page = browser_page
    login(page, live_server, "reader")
    page.goto(f"{live_server.url}/papers/")
    expect(page.locator(".result-count")).to_contain_text("2 papers")
    # Marks the document: a full page load would lose it, an htmx swap keeps it.
    page.evaluate("window.loadedOnce = true")

    page.get_by_label("Search").fill("instruction")

    expect(page.locator(".result-count")).to_contain_text("1 paper matching")
    expect(page.locator(".paper-list")).not_to_contain_text("Chain-of-Thought")
    expect(page.locator(".paper-list mark").first).to_have_text(re.compile("instruction", re.IGNORECASE))
    expect(page).to_have_url(re.compile(r"[?&]q=instruction"))
    assert page.evaluate("window.loadedOnce") is True

    page.go_back()
    expect(page.locator(".result-count")).to_contain_text("2 papers")
    expect(page.get_by_label("Search")).to_have_value("")
