"""axe-core on every page type, as each role: no violation of any impact, minor ones included."""

import pytest

from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - a fixture
from tests.history_site import history_pages
from tests.resolve_pages import resolve_pages
from tests.site_pages import site  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.error_urls")]


def axe_violations(page, name: str) -> list[str]:
    """axe's findings on the page, one line per rule and element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{name}: {violation['id']} ({violation['impact']}) at {node['target']}: {node['html'][:120]}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


def open_everything(page) -> None:
    """Open every disclosure, so axe sees what a click would show (the filters, criteria, replies)."""
    page.evaluate("document.querySelectorAll('details').forEach(details => { details.open = true; })")


@pytest.mark.parametrize("role", ["owner", "reviewer", "observer"])
def test_every_page_passes_axe(live_server, browser_page, client, site, role):  # noqa: F811
    page = browser_page
    found = []
    if role == "owner":  # the logged-out pages, once
        for name, path in [("login", "/accounts/login/"), ("server error", "/boom/")]:
            page.goto(f"{live_server.url}{path}")
            found += axe_violations(page, name)
    log_in_with_cookie(page.context, live_server, client, site.users[role])

    for name, path, status in site.pages(role) + history_pages(site, role) + resolve_pages(site, role):
        assert page.goto(f"{live_server.url}{path}").status == status, name
        open_everything(page)
        found += axe_violations(page, name)

    assert not found, "\n".join(found)


@pytest.mark.parametrize(("role", "blind"), [("owner", False), ("reviewer", False), ("reviewer", True)])
def test_the_dashboard_and_statistics_pass_axe(live_server, browser_page, client, site, role, blind):  # noqa: F811
    site.review.blind = blind
    site.review.save()
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, site.users[role])
    found = []
    for name in ["dashboard", "statistics"]:
        assert page.goto(f"{live_server.url}/reviews/{site.review.slug}/{name}/").status == 200
        found += axe_violations(page, f"{name} as {role}{', blind' if blind else ''}")
    assert not found, "\n".join(found)
