"""The review list's filter panel: compact, tags as chips, and a plain GET form without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Membership, Role
from tests.browser import CHROMIUM, CHROMIUM_ARGS, browser_page, log_in_with_cookie  # noqa: F401 - a fixture
from tests.factories import make_paper, make_review, make_user
from tests.importer_fixtures import seed_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tagged_review(db):
    """A review of eight seed abstracts with criteria and a question; two papers tagged, one of them twice."""
    papers = [make_paper(id_line, abstract=abstract) for id_line, abstract in seed_records()[:8]]
    bob = make_user("bob")
    review = make_review(
        papers=papers,
        members={bob: Role.REVIEWER},
        research_question="Which methods make large language models cheaper to run without losing accuracy?",
        inclusion_criteria="Empirical studies of inference cost.",
        exclusion_criteria="Position papers.",
    )
    membership = Membership.objects.select_related("review", "user").get(review=review, user=bob)
    for name in ("efficiency", "benchmark", "survey", "vision", "agents"):
        annotating.apply_tag(membership, papers[0].pk, name)
    annotating.apply_tag(membership, papers[1].pk, "efficiency")
    return review, bob, papers


def shown_papers(page) -> int:
    return page.locator(".paper-list > li.paper").count()


def test_two_papers_are_above_the_fold_on_a_laptop(live_server, browser_page, client, tagged_review):  # noqa: F811
    review, bob, papers = tagged_review
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in_with_cookie(page.context, live_server, client, bob)

    page.goto(f"{live_server.url}{review.get_absolute_url()}")

    rows = page.locator(".paper-list > li.paper")
    for index in (0, 1):
        box = rows.nth(index).bounding_box()
        assert box["y"] + box["height"] <= 900, f"paper {index + 1} ends at {box['y'] + box['height']:.0f}px"
    # The most used filters are in view without opening anything.
    for label in ("Search", "Team status", "My decision", "Not yet screened by me", "Sort by"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name="efficiency")).not_to_be_visible()


def test_tags_filter_as_chips_with_any_all_none(live_server, browser_page, client, tagged_review):  # noqa: F811
    review, bob, papers = tagged_review
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, bob)
    page.goto(f"{live_server.url}{review.get_absolute_url()}")

    page.get_by_text("More filters").click()
    page.get_by_role("checkbox", name="efficiency").check()
    expect(page.locator(".result-count")).to_contain_text("2 papers")
    expect(page).to_have_url(re.compile(r"[?&]tags=\d+"))

    page.get_by_role("checkbox", name="benchmark").check()
    expect(page.locator(".result-count")).to_contain_text("2 papers")
    page.get_by_role("radio", name="All of").check()
    expect(page.locator(".result-count")).to_contain_text("1 paper")
    expect(page.locator(f"#paper-{papers[0].pk}")).to_be_visible()
    page.get_by_role("radio", name="None of").check()
    expect(page.locator(".result-count")).to_contain_text("6 papers")
    expect(page.locator(f"#paper-{papers[0].pk}")).to_have_count(0)

    # Reloading the shared address keeps the chips checked and the panel open.
    page.reload()
    expect(page.get_by_role("checkbox", name="efficiency")).to_be_checked()
    expect(page.get_by_role("radio", name="None of")).to_be_checked()
    expect(page.locator(".result-count")).to_contain_text("6 papers")


def test_the_filters_work_without_javascript(live_server, client, tagged_review):
    import os

    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    review, bob, papers = tagged_review
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(java_script_enabled=False)
            log_in_with_cookie(context, live_server, client, bob)
            page = context.new_page()
            page.goto(f"{live_server.url}{review.get_absolute_url()}")
            assert shown_papers(page) == 8

            page.get_by_label("Team status").select_option(label="Undecided")
            page.get_by_text("More filters").click()
            page.get_by_role("checkbox", name="efficiency").check()
            page.get_by_role("button", name="Filter").click()

            expect(page).to_have_url(re.compile(r"[?&]tags=\d+.*"))
            expect(page.locator(".result-count")).to_contain_text("2 papers")
            assert shown_papers(page) == 2
            expect(page.get_by_role("checkbox", name="efficiency")).to_be_checked()
        finally:
            browser.close()
