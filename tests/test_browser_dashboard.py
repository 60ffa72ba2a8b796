"""The dashboard and the statistics page in a browser: the figures match the database, a chart downloads."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Membership, ReviewPaper, ScreeningDecision, TeamStatus
from reviews.models.summaries import NEEDS_RESOLUTION, SCREENED_STATUSES
from tests.browser import browser_page, log_in_with_cookie, login  # noqa: F401 - browser_page is a fixture
from tests.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dual(team):
    """The team's review made blind with two screeners; bob and dave agree on two papers and split on one."""
    review = team.review
    review.blind, review.required_screeners = True, 2
    review.save()
    third = make_paper()
    review.add_papers([third.pk])
    bob = Membership.objects.select_related("review", "user").get(review=review, user=team.bob)
    dave = Membership.objects.select_related("review", "user").get(review=review, user=team.dave)
    for paper, bob_vote, dave_vote in [(team.paper, "include", "include"), (team.other_paper, "exclude", "exclude"),
                                       (third, "include", "exclude")]:  # fmt: skip
        annotating.decide(bob, paper.pk, bob_vote)
        annotating.decide(dave, paper.pk, dave_vote)
    annotating.set_score(bob, team.paper.pk, 5)
    annotating.set_score(dave, team.paper.pk, 4)
    return team


def test_an_owner_reads_the_dashboard_downloads_a_chart_and_opens_the_statistics(live_server, browser_page, dual):  # noqa: F811
    page = browser_page
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/llm-review/dashboard/")

    papers = ReviewPaper.objects.filter(review=dual.review)
    expect(page.locator("#figure-screened")).to_have_text(str(papers.filter(team_status__in=SCREENED_STATUSES).count()))
    expect(page.locator("#figure-conflicts-open")).to_have_text(
        str(papers.filter(team_status__in=NEEDS_RESOLUTION).count())
    )
    expect(page.locator("#figure-resolved")).to_have_text(str(papers.filter(team_status=TeamStatus.RESOLVED).count()))
    bob_decided = ScreeningDecision.objects.filter(review=dual.review, user=dual.bob).count()
    expect(page.locator("#progress-table tr", has_text="bob")).to_contain_text(f"Reviewer{bob_decided}{papers.count()}")
    prisma = page.get_by_role("img", name="PRISMA 2020 flow of the screening stage")
    expect(prisma).to_be_visible()
    excluded = papers.filter(final_decision="exclude").count()
    expect(prisma.locator("text", has_text="n = ").nth(3)).to_have_text(f"n = {excluded}")  # Records excluded

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download “PRISMA 2020 flow of the screening stage” (SVG)").click()
    download = download_info.value
    assert download.suggested_filename == "llm-review-prisma.svg"
    svg = Path(download.path()).read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg
    assert f"records screened: {papers.count()}" in svg

    page.get_by_role("link", name="agreement statistics").click()
    expect(page.get_by_role("heading", name="Agreement statistics")).to_be_visible()
    # bob and dave: 2 of 3 agree; include/exclude table [[1, 1], [0, 1]]: po = 2/3, pe = 2/3·1/3 + 1/3·2/3 = 4/9,
    # kappa = (2/3 − 4/9) / (5/9) = 0.40.
    row = page.locator("#pairs-table tr", has_text="bob and dave")
    expect(row).to_contain_text("66.7%")
    expect(row).to_contain_text("0.40")
    expect(row).to_contain_text("Fair agreement")
    # One paper scored 5 and 4: the coincidences are all disagreement, so Do = De and alpha = 0.
    expect(page.locator("#stat-alpha")).to_contain_text("0.000")
    expect(page.locator("#stat-alpha")).to_contain_text("N = 1 paper")
    expect(page.locator("#stat-fleiss")).to_contain_text("N = 3 papers")


def test_a_blind_reviewer_sees_only_progress(live_server, browser_page, client, dual):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, dual.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/dashboard/")
    expect(page.locator(".my-progress")).to_have_text("You have decided on 3 of 3 papers.")
    expect(page.get_by_role("img", name="Papers decided by each reviewer")).to_be_visible()
    expect(page.get_by_role("img", name="PRISMA 2020 flow of the screening stage")).to_have_count(0)
    expect(page.locator("#figure-conflicts-open")).to_have_count(0)
    page.get_by_role("link", name="agreement statistics").click()
    expect(page.get_by_text("available to its owners and resolvers only")).to_be_visible()
