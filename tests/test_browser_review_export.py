"""The review list's Export menu in a browser: filter the list, open Export, download, and find in the file
exactly the papers the list shows, in its order; the whole review from the same menu; at phone width too."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Membership, Role
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - a fixture
from tests.factories import make_paper, make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def screened_review(db):
    """Seven papers; bob included three, excluded two and left two alone."""
    papers = [make_paper(f"2304.{n:05d}", title=f"Efficient model number {n}") for n in range(1, 8)]
    bob = make_user("bob")
    review = make_review("export-journey", papers=papers, members={bob: Role.REVIEWER})
    membership = Membership.objects.select_related("review", "user").get(review=review, user=bob)
    for paper, decision in zip(papers, ["include", "exclude", "include", "exclude", "include"], strict=False):
        annotating.decide(membership, paper.pk, decision)
    return review, bob, papers


def download_csv(page, link) -> tuple[str, list[dict]]:
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    with open(download.path(), encoding="utf-8", newline="") as file:
        return download.suggested_filename, list(csv.DictReader(io.StringIO(file.read())))


def test_the_export_menu_downloads_exactly_the_filtered_list(live_server, browser_page, client, screened_review):  # noqa: F811
    review, bob, papers = screened_review
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, bob)
    page.goto(f"{live_server.url}{review.get_absolute_url()}")

    page.get_by_label("My decision").select_option(label="Include")
    expect(page.locator(".result-count")).to_contain_text("3 papers")
    page.get_by_label("Sort by").select_option(label="Oldest first")
    expect(page).to_have_url(re.compile(r"sort=oldest"))
    shown = page.locator(".paper-list > li.paper .paper-title").all_inner_texts()

    page.get_by_text("Export", exact=True).click()
    name, rows = download_csv(page, page.locator(".export-choices ul").first.get_by_role("link", name="CSV"))
    assert re.fullmatch(r"export-journey-view-\d{4}-\d{2}-\d{2}\.csv", name)
    assert [row["title"] for row in rows] == [title.strip() for title in shown]
    assert [row["title"] for row in rows] == [f"Efficient model number {n}" for n in (1, 3, 5)]
    assert {row["decision_bob"] for row in rows} == {"include"}

    expect(page.locator(".export-menu")).to_have_attribute("open", "")  # a download leaves the page as it was
    name, rows = download_csv(page, page.locator(".export-choices ul").nth(1).get_by_role("link", name="CSV"))
    assert len(rows) == len(papers)
    assert re.fullmatch(r"export-journey-\d{4}-\d{2}-\d{2}\.csv", name)  # not the view's name: both can be kept


def test_the_menu_keeps_up_with_each_filter_and_fits_a_phone(live_server, browser_page, client, screened_review):  # noqa: F811
    review, bob, papers = screened_review
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})
    log_in_with_cookie(page.context, live_server, client, bob)
    page.goto(f"{live_server.url}{review.get_absolute_url()}")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Not yet screened by me").check()
    expect(page.locator(".result-count")).to_contain_text("2 papers")

    page.get_by_text("Export", exact=True).click()
    link = page.locator(".export-choices ul").first.get_by_role("link", name="CSV")
    expect(link).to_be_visible()
    box = page.locator(".export-choices").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert "unscreened=on" in link.get_attribute("href")
    _, rows = download_csv(page, link)
    assert sorted(row["title"] for row in rows) == ["Efficient model number 6", "Efficient model number 7"]
