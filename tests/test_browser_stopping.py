"""When to stop, in a browser: a reviewer screens in the list, the owner's dashboard shows the curve and figures the
database holds, and the section fits a phone."""

import pytest
from playwright.sync_api import expect

from reviews.models import Change, ChangeKind, ReviewPaper
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.browser_checks import horizontal_overflow, too_wide
from tests.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
VOTES = ["Exclude", "Include", "Exclude", "Exclude", "Include", "Exclude"]  # bob's, paper by paper


@pytest.fixture
def screening(team):
    """The team's review with ten more papers, Paper 101 to Paper 110."""
    papers = [
        make_paper(f"2303.{n:05d}", title=f"Paper {n}", abstract=f"Study {n} of instruction tuning.")
        for n in range(101, 111)
    ]
    team.review.add_papers([paper.pk for paper in papers])
    team.papers = papers
    return team


def expected_from_the_database(review):
    """(screened, includes, screened since the last include), worked out from the rows the way the page says."""
    first = {}
    for paper_id, at in (
        Change.objects.filter(review=review, kind=ChangeKind.DECISION)
        .order_by("at", "pk")
        .values_list("paper_id", "at")
    ):
        first.setdefault(paper_id, at)
    rows = ReviewPaper.objects.filter(review=review).exclude(include_count=0, maybe_count=0, exclude_count=0)
    counted = {
        row.paper_id: row.final_decision == "include" or (row.final_decision == "" and row.include_count > 0)
        for row in rows
    }
    order = sorted(counted, key=lambda paper_id: (first[paper_id], paper_id))
    places = [place for place, paper_id in enumerate(order, start=1) if counted[paper_id]]
    return len(order), len(places), len(order) - (places[-1] if places else 0)


def test_the_owner_sees_the_includes_found_against_the_papers_a_reviewer_screened(
    live_server,
    browser_page,  # noqa: F811
    client,
    screening,
):
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, screening.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    rows = page.locator(".screening-row")
    # Out of the list's order, so the curve's order (first decided) is not simply the papers' own.
    for number, vote in zip((4, 0, 7, 2, 9, 5), VOTES, strict=True):
        button = rows.nth(number).get_by_role("button", name=vote, exact=True)
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    screened, found, since = expected_from_the_database(screening.review)
    assert (screened, found, since) == (6, 2, 1)  # includes 2nd and 5th of six: one paper screened since

    log_in_with_cookie(page.context, live_server, client, screening.alice)
    page.goto(f"{live_server.url}/reviews/llm-review/dashboard/")
    section = page.get_by_role("region", name="When to stop")
    expect(section.locator("#figure-stop-screened")).to_have_text(str(screened))
    expect(section.locator("#figure-found")).to_have_text(str(found))
    expect(section.locator("#figure-since-last-include")).to_have_text(str(since))
    papers = ReviewPaper.objects.filter(review=screening.review).count()
    expect(section.locator("#figure-unscreened")).to_have_text(str(papers - screened))
    curve = section.get_by_role("img", name="Includes found against papers screened")
    expect(curve).to_be_visible()
    # Its description, read by screen readers: the same figures in words.
    expect(curve.locator("desc")).to_contain_text(
        f"{found} includes found among {screened} papers screened, in the order first decided: "
    )
    expect(curve.locator("desc")).to_contain_text("The last include was paper 5 of that order; 1 paper screened since.")
    expect(section.locator("#stopping-knee")).to_contain_text(
        f"cannot in this review: it needs at least 150 papers screened, and the review has {papers}"
    )
    # Six papers screened are too few for the recent-rate estimate (its figures: tests/test_dashboard_stopping.py).
    expect(section.locator("#stopping-estimate")).to_contain_text(
        f"Too few papers are screened for an estimate: {screened} so far"  # the text, without its <strong>
    )

    page.set_viewport_size(PHONE)
    page.reload()
    expect(section).to_be_visible()
    assert horizontal_overflow(page) <= 0, f"the dashboard is too wide for a phone: {too_wide(page)}"
    assert section.evaluate("element => element.scrollWidth <= element.clientWidth")
    box = curve.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
