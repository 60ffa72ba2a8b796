"""Every page on a 390 px wide phone: nothing scrolls sideways, filters fold, the panel stacks, targets are tappable."""

import pytest
from playwright.sync_api import expect

from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - a fixture
from tests.browser_checks import horizontal_overflow, size, too_wide
from tests.history_site import history_pages
from tests.resolve_pages import resolve_pages
from tests.site_pages import site  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.error_urls")]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("role", ["owner", "reviewer", "observer"])
def test_no_page_scrolls_sideways_on_a_phone(live_server, browser_page, client, site, role):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PHONE)
    for name, path, status in [("login", "/accounts/login/", 200), ("server error", "/boom/", 500)]:
        assert page.goto(f"{live_server.url}{path}").status == status
        assert horizontal_overflow(page) <= 0, f"{name} is {horizontal_overflow(page)}px too wide: {too_wide(page)}"
    log_in_with_cookie(page.context, live_server, client, site.users[role])

    for name, path, status in site.pages(role) + history_pages(site, role) + resolve_pages(site, role):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status, name
        overflow = horizontal_overflow(page)
        assert overflow <= 0, f"{name} is {overflow}px too wide for a phone: {too_wide(page)}"


def test_words_longer_than_a_phone_is_wide_break_instead_of_widening_the_page(live_server, browser_page, client, site):  # noqa: F811
    site.review.title = "x" * 200  # a review named without a space
    site.review.save()
    repository = "a-very-long-repository-name" * 3
    site.paper.abstract = f"{site.paper.abstract} Code: https://github.com/{repository}/tree/main"
    site.paper.save()
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in_with_cookie(page.context, live_server, client, site.users["owner"])

    review = site.review.get_absolute_url()
    for path in ["/", review, f"{review}settings/", "/papers/?q=github"]:
        assert page.goto(f"{live_server.url}{path}").status == 200
        overflow = horizontal_overflow(page)
        assert overflow <= 0, f"{path} is {overflow}px too wide for a phone: {too_wide(page)}"


def test_the_review_list_folds_its_filters_and_stacks_the_panel(live_server, browser_page, client, site):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in_with_cookie(page.context, live_server, client, site.users["reviewer"])
    page.goto(f"{live_server.url}{site.review.get_absolute_url()}")

    expect(page.get_by_label("Search")).to_be_visible()
    expect(page.get_by_label("Team status")).not_to_be_visible()
    expect(page.get_by_text("More filters")).not_to_be_visible()
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_label("Team status")).to_be_visible()
    expect(page.get_by_text("More filters")).to_be_visible()

    row = page.locator(f"#paper-{site.paper.pk}")
    text, panel = row.locator(".paper-text").bounding_box(), row.locator(".panel").bounding_box()
    assert panel["y"] >= text["y"] + text["height"], "the panel sits under the abstract"
    assert panel["width"] >= 300
    for button in row.locator(".panel button:visible").all():
        width, height = size(button)
        if "link" in (button.get_attribute("class") or ""):
            continue  # text links in a sentence are exempt from WCAG 2.5.8's minimum
        assert width >= 24 and height >= 24, (button.get_attribute("aria-label") or button.inner_text(), width, height)


def test_a_filtered_list_opens_with_its_filters_showing(live_server, browser_page, client, site):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in_with_cookie(page.context, live_server, client, site.users["reviewer"])

    page.goto(f"{live_server.url}{site.review.get_absolute_url()}?status=maybe")

    expect(page.get_by_label("Team status")).to_have_value("maybe")
    expect(page.get_by_label("Team status")).to_be_visible()


@pytest.mark.parametrize("role", ["owner", "observer"])
def test_the_dashboard_and_statistics_fit_a_phone(live_server, browser_page, client, site, role):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in_with_cookie(page.context, live_server, client, site.users[role])
    for name in ["dashboard", "statistics"]:
        assert page.goto(f"{live_server.url}/reviews/{site.review.slug}/{name}/").status == 200
        overflow = horizontal_overflow(page)
        assert overflow <= 0, f"{name} is {overflow}px too wide for a phone: {too_wide(page)}"
    chart = page.goto(f"{live_server.url}/reviews/{site.review.slug}/dashboard/")
    assert chart.ok
    assert page.locator("svg.chart").first.bounding_box()["width"] <= PHONE["width"]
