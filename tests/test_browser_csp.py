"""No page breaks the Content-Security-Policy: every page as each role, the admin, and the htmx interactions
(a decision click, a filter change, screening mode's keys), with the browser reporting every violation."""

import contextlib
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from reviews.models import ScreeningDecision
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - a fixture
from tests.history_site import history_pages
from tests.resolve_pages import resolve_pages
from tests.site_pages import site  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.error_urls")]

# Runs before any page script: the browser fires securitypolicyviolation for each refused script, style,
# eval or connection, inline or not, which the console may not show for every kind.
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI}`
    + ` at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
// With allowEval off htmx does not eval an hx-trigger filter or hx-on; it skips it, which changes behaviour.
document.addEventListener("htmx:evalDisallowedError", (event) => {
  console.error(`Content Security Policy: htmx may not eval, asked by ${event.target.outerHTML.slice(0, 120)}`);
});
"""


@pytest.fixture
def watched(browser_page):  # noqa: F811
    """The page, and the list of CSP violations the browser reports on it, across navigations."""
    violations = []
    browser_page.context.add_init_script(RECORD_VIOLATIONS)
    browser_page.on(
        "console", lambda message: violations.append(message.text) if "Security Policy" in message.text else None
    )
    return browser_page, violations


def visit(page, violations, live_server, name, path, status):
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == status if status else response.status in (200, 403), (name, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"], name
    page.wait_for_load_state("load")
    assert violations == [], f"{name} ({path}): {violations}"


def review_pages(built):
    """Pages the shared page lists leave out; who may see them is not this test's business (200 or 403)."""
    slug = built.review.slug
    return [
        ("dashboard", f"/reviews/{slug}/dashboard/", None),
        ("statistics", f"/reviews/{slug}/statistics/", None),
        ("review history", f"/reviews/{slug}/history/", None),
        ("preferences", "/preferences/screening/", None),
        ("new review", "/new-review/", None),
        ("import", "/papers/import/", None),
    ]


def test_no_page_breaks_the_policy_for_any_role(live_server, watched, client, site):  # noqa: F811
    page, violations = watched
    for name, path, status in [
        ("login", "/accounts/login/", 200),
        ("password reset", "/accounts/password-reset/", 200),
        ("password reset sent", "/accounts/password-reset/sent/", 200),
        ("password reset, bad link", "/accounts/reset/MQ/bad-token/", 200),
        ("server error", "/boom/", 500),
        ("corpus, anonymous", "/papers/", 200),
    ]:
        visit(page, violations, live_server, name, path, status)

    for role in ("owner", "reviewer", "observer"):
        page.context.clear_cookies()
        log_in_with_cookie(page.context, live_server, client, site.users[role])
        pages = site.pages(role) + history_pages(site, role) + resolve_pages(site, role) + review_pages(site)
        for name, path, status in pages:
            visit(page, violations, live_server, f"{role}: {name}", path, status)


def admin_pages():
    """The admin's index, every model's list and add form, and the change form of one object of each."""
    pages = [("admin index", reverse("admin:index"))]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append((f"admin {info[1]} list", reverse("admin:{}_{}_changelist".format(*info))))
        with contextlib.suppress(NoReverseMatch):
            pages.append((f"admin {info[1]} add", reverse("admin:{}_{}_add".format(*info))))
        if first := model._default_manager.first():
            pages.append((f"admin {info[1]} change", reverse("admin:{}_{}_change".format(*info), args=[first.pk])))
    return pages


def test_the_admin_works_under_the_policy(live_server, watched, client, site):  # noqa: F811
    page, violations = watched
    root = get_user_model().objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    visit(page, violations, live_server, "admin login", "/admin/login/", 200)
    log_in_with_cookie(page.context, live_server, client, root)

    for name, path in admin_pages():
        response = page.goto(f"{live_server.url}{path}")
        # Some admins refuse adding by hand (an import batch is made by an import): 403 is their answer.
        assert response.status in (200, 403), (name, response.status)
        page.wait_for_load_state("load")
        assert violations == [], f"{name} ({path}): {violations}"

    # The admin's own scripts still run: the paper list's "select all" box ticks every row.
    page.goto(f"{live_server.url}{reverse('admin:papers_paper_changelist')}")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    assert violations == []


def test_htmx_on_the_review_list_works_within_the_policy(live_server, watched, client, site):  # noqa: F811
    page, violations = watched
    reviewer = site.users["reviewer"]
    log_in_with_cookie(page.context, live_server, client, reviewer)
    page.goto(f"{live_server.url}{site.review.get_absolute_url()}")
    page.evaluate("window.loadedOnce = true")

    other = site.review.papers.exclude(pk=site.paper.pk).first()
    row = page.locator(f"#paper-{other.pk}")
    row.get_by_role("button", name="Exclude").click()
    expect(row.get_by_role("button", name="Exclude")).to_have_attribute("aria-pressed", "true")

    # A filter other than the search box asks at once (screening.js sends the event htmx listens for).
    page.get_by_label("Team status").select_option("undecided")
    expect(page).to_have_url(re.compile(r"status=undecided"))
    # The search box asks as one types.
    page.get_by_label("Search").fill("language")
    expect(page).to_have_url(re.compile(r"q=language"))

    assert page.evaluate("window.loadedOnce") is True, "the page was swapped by htmx, not reloaded"
    assert ScreeningDecision.objects.get(paper=other, user=reviewer).decision == "exclude"
    assert violations == [], violations


def test_screening_mode_keys_work_within_the_policy(live_server, watched, client, site):  # noqa: F811
    page, violations = watched
    reviewer = site.users["reviewer"]
    log_in_with_cookie(page.context, live_server, client, reviewer)
    page.goto(f"{live_server.url}/reviews/{site.review.slug}/screen/")
    paper = page.locator("#screen article.screening-row")
    first = int(paper.get_attribute("data-paper"))

    page.keyboard.press("i")
    expect(paper).not_to_have_attribute("data-paper", str(first))
    assert ScreeningDecision.objects.get(paper_id=first, user=reviewer).decision == "include"
    page.keyboard.press("u")
    expect(paper).to_have_attribute("data-paper", str(first))
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()

    assert not ScreeningDecision.objects.filter(paper_id=first, user=reviewer).exists()
    assert violations == [], violations


def test_the_watch_catches_a_violation(live_server, watched):
    """So that a silent run of the tests above means something: an inline script is refused and reported."""
    page, violations = watched
    page.goto(f"{live_server.url}/accounts/login/")

    page.evaluate("document.head.appendChild(Object.assign(document.createElement('script'), {textContent: '1'}))")
    page.evaluate("document.body.appendChild(Object.assign(document.createElement('style'), {textContent: 'p{}'}))")

    page.wait_for_timeout(200)
    assert any("script-src" in violation for violation in violations), violations
    assert any("style-src" in violation for violation in violations), violations
