"""Screening from a paper's similar papers, in a browser: by click and by key, checked in the database."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from papers.models import SimilarPaper
from reviews.models import ScreeningDecision
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CURRENT = re.compile(r"\bis-current\b")


@pytest.fixture
def similar(team):
    """Five papers on protein folding in the team's review, with their similar papers computed."""
    papers = [
        make_paper(f"2303.{n:05d}", title=f"Protein folding study {n}", abstract=f"Protein folding of amino acids {n}.")
        for n in range(201, 206)
    ]
    team.review.add_papers([paper.pk for paper in papers])
    call_command("compute_similar", verbosity=0)
    team.topic = papers
    return team


def decision_of(team, user, paper_id):
    found = ScreeningDecision.objects.filter(review=team.review, user=user, paper_id=paper_id).first()
    return found and found.decision


def test_deciding_similar_papers_by_click_and_by_key(live_server, browser_page, client, similar):  # noqa: F811
    page = browser_page
    paper = similar.topic[0]
    neighbours = list(SimilarPaper.objects.of(paper.pk).values_list("similar_id", flat=True))
    log_in_with_cookie(page.context, live_server, client, similar.bob)
    url = f"{live_server.url}/reviews/{similar.review.slug}/papers/{paper.arxiv_id}/"
    page.goto(url)

    section = page.get_by_role("region", name="Similar papers")
    rows = section.locator(".similar-paper")
    expect(rows).to_have_count(4)
    first = rows.nth(0)
    expect(first).to_have_attribute("data-paper", str(neighbours[0]))

    # By click: Include on the first similar paper; the row shows it, the page stays, the database has it.
    first.get_by_role("button", name="Include").click()
    expect(first.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    assert page.url == url
    assert decision_of(similar, similar.bob, neighbours[0]) == "include"
    # The paper's own panel is untouched.
    assert decision_of(similar, similar.bob, paper.pk) is None

    # By key: s goes to the similar papers, j to the second, m decides it and the third becomes current.
    page.locator("h1").click()
    page.keyboard.press("s")
    expect(first).to_have_class(CURRENT)
    page.keyboard.press("j")
    second = rows.nth(1)
    expect(second).to_have_class(CURRENT)
    page.keyboard.press("m")
    expect(second.get_by_role("button", name="Maybe")).to_have_attribute("aria-pressed", "true")
    expect(rows.nth(2)).to_have_class(CURRENT)
    assert decision_of(similar, similar.bob, neighbours[1]) == "maybe"
    assert page.url == url

    # s again: back to the paper, whose own key decides it and (as ever on a paper's page) opens the next one.
    page.keyboard.press("s")
    expect(page.locator("article.paper-detail")).to_have_class(CURRENT)
    page.keyboard.press("e")
    expect(page).not_to_have_url(url)
    assert decision_of(similar, similar.bob, paper.pk) == "exclude"


def test_the_buttons_work_without_javascript(live_server, client, similar):
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    paper = similar.topic[0]
    neighbour = SimilarPaper.objects.of(paper.pk).first().similar_id
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(java_script_enabled=False)
            page = context.new_page()
            page.set_default_timeout(10_000)
            log_in_with_cookie(context, live_server, client, similar.bob)
            url = f"{live_server.url}/reviews/{similar.review.slug}/papers/{paper.arxiv_id}/"
            page.goto(url)
            row = page.locator(f"#paper-{neighbour}")
            row.get_by_role("button", name="Exclude").click()
            expect(page.locator(f"#paper-{neighbour}").get_by_role("button", name="Exclude")).to_have_attribute(
                "aria-pressed", "true"
            )
            assert page.url.split("#")[0] == url
            assert decision_of(similar, similar.bob, neighbour) == "exclude"
        finally:
            browser.close()


def test_on_a_phone_the_similar_papers_fit_and_their_buttons_are_tappable(live_server, browser_page, client, similar):  # noqa: F811
    from tests.browser_checks import horizontal_overflow, too_wide

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    paper = similar.topic[0]
    log_in_with_cookie(page.context, live_server, client, similar.bob)
    page.goto(f"{live_server.url}/reviews/{similar.review.slug}/papers/{paper.arxiv_id}/")
    assert horizontal_overflow(page) <= 0, too_wide(page)
    button = page.get_by_role("region", name="Similar papers").get_by_role("button", name="Maybe").first
    box = button.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    neighbour = int(page.locator(".similar-paper.screening-row").first.get_attribute("data-paper"))
    assert decision_of(similar, similar.bob, neighbour) == "maybe"
