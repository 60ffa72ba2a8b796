"""Annotating from the review list, whose panels are cached (reviews/row_cache.py): a reviewer's score, tag and
decision, and another member's vote, are on the page after a reload — with htmx and as plain forms."""

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Membership, Role, Score, ScreeningDecision
from tests.browser import CHROMIUM, CHROMIUM_ARGS, browser_page, log_in_with_cookie  # noqa: F401 - a fixture
from tests.factories import make_paper, make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blind_pair(db):
    bob, carol = make_user("bob"), make_user("carol")
    papers = [make_paper(f"2301.{n:05d}", title=f"Paper {n}") for n in range(1, 4)]
    review = make_review(
        "listed", papers=papers, blind=True, required_screeners=2, members={bob: Role.REVIEWER, carol: Role.REVIEWER}
    )
    return review, bob, carol, papers


def test_annotations_made_from_the_list_and_by_another_member_show_after_reload(
    live_server,
    browser_page,  # noqa: F811
    client,
    blind_pair,
):
    review, bob, carol, papers = blind_pair
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, bob)
    url = f"{live_server.url}{review.get_absolute_url()}"
    page.goto(url)
    row = page.locator(f"#paper-{papers[0].pk}")
    expect(row).to_contain_text("Team: hidden until you decide")

    row.get_by_role("button", name="Score 4").click()
    expect(row.get_by_role("button", name="Score 4")).to_have_attribute("aria-pressed", "true")
    row.get_by_label("Add tag").first.fill("method")
    row.get_by_role("button", name="Add", exact=True).click()
    expect(row.locator(".tag-chips")).to_contain_text("method")

    # Carol votes meanwhile, from elsewhere; bob cannot see it until he decides.
    carol_membership = Membership.objects.select_related("review", "user").get(review=review, user=carol)
    annotating.decide(carol_membership, papers[0].pk, "exclude", None)

    page.reload()
    row = page.locator(f"#paper-{papers[0].pk}")
    expect(row.get_by_role("button", name="Score 4")).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".tag-chips")).to_contain_text("method")
    expect(row).to_contain_text("Team: hidden until you decide")

    row.get_by_role("button", name="Include").click()
    expect(row.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    page.reload()
    row = page.locator(f"#paper-{papers[0].pk}")
    expect(row.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    expect(row).to_contain_text("1 include · 0 maybe · 1 exclude")

    # Carol changes her vote: bob's next load of the list shows it.
    annotating.decide(carol_membership, papers[0].pk, "include", None)
    page.reload()
    expect(page.locator(f"#paper-{papers[0].pk}")).to_contain_text("2 include · 0 maybe · 0 exclude")

    assert ScreeningDecision.objects.get(review=review, user=bob, paper=papers[0]).decision == "include"
    assert Score.objects.get(review=review, user=bob, paper=papers[0]).value == 4


def test_a_cached_panels_forms_work_without_javascript(live_server, client, blind_pair):
    from playwright.sync_api import sync_playwright

    review, bob, carol, papers = blind_pair
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(java_script_enabled=False)
            page = context.new_page()
            page.set_default_timeout(10_000)
            log_in_with_cookie(context, live_server, client, bob)
            url = f"{live_server.url}{review.get_absolute_url()}?sort=oldest"
            page.goto(url)
            page.goto(url)  # the panels now come from the cache
            page.locator(f"#paper-{papers[1].pk}").get_by_role("button", name="Maybe").click()
            expect(page).to_have_url(f"{url}#paper-{papers[1].pk}")
            row = page.locator(f"#paper-{papers[1].pk}")
            expect(row.get_by_role("button", name="Maybe")).to_have_attribute("aria-pressed", "true")
            assert ScreeningDecision.objects.get(review=review, user=bob, paper=papers[1]).decision == "maybe"
        finally:
            browser.close()
