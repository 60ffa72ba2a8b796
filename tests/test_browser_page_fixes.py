"""Fixes a user asked for after trying the new pages, in a browser: the PRISMA diagram readable on a phone, the
conflicts page fitting a phone, a refused settings save landing at its section, assignments at their address."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Assignment, ExclusionReason
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.browser_checks import horizontal_overflow, too_wide
from tests.dual_review import dual, member  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def as_owner(page, live_server, dual):  # noqa: F811
    log_in_with_cookie(page.context, live_server, Client(), dual.alice)
    return page


def in_conflict(dual):  # noqa: F811
    reason = ExclusionReason.objects.create(
        review=dual.review, label="Not about large language models at all, only about small ones", position=1
    )
    annotating.decide(member(dual.review, dual.bob), dual.p1.pk, "include")
    annotating.set_score(member(dual.review, dual.bob), dual.p1.pk, 4)
    annotating.decide(member(dual.review, dual.carol), dual.p1.pk, "exclude", reason_id=reason.pk)
    annotating.set_score(member(dual.review, dual.carol), dual.p1.pk, 2)


def test_the_prisma_diagram_keeps_a_readable_size_on_a_phone_and_its_figures_show_as_a_table(
    live_server,
    browser_page,  # noqa: F811
    dual,  # noqa: F811
):
    in_conflict(dual)
    page = as_owner(browser_page, live_server, dual)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/reviews/dual/dashboard/")

    assert horizontal_overflow(page) <= 0, too_wide(page)
    diagram = page.locator("#figure-prisma svg")
    box = page.locator("#figure-prisma .chart-box")
    assert diagram.bounding_box()["width"] >= 700, "drawn at its own size, 13 px text, not shrunk to the phone"
    assert box.bounding_box()["width"] <= PHONE["width"], "it scrolls inside its own box"
    box.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    assert box.evaluate("element => element.scrollLeft") > 0
    table = page.locator("#prisma-table")
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name="Awaiting resolution")).to_contain_text("1")
    assert table.evaluate("t => t.getBoundingClientRect().right") <= PHONE["width"]
    assert float(table.locator("td").first.evaluate("td => getComputedStyle(td).fontSize")[:-2]) >= 14


def test_the_conflicts_page_fits_a_phone_with_every_vote_column_showing(live_server, browser_page, dual):  # noqa: F811
    in_conflict(dual)
    page = as_owner(browser_page, live_server, dual)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/reviews/dual/conflicts/")

    assert horizontal_overflow(page) <= 0, too_wide(page)
    score = page.locator(".votes-table").get_by_role("columnheader", name="Score")
    expect(score).to_be_in_viewport()
    assert score.bounding_box()["x"] + score.bounding_box()["width"] <= PHONE["width"]
    note = page.get_by_label("Note")
    assert note.evaluate("e => getComputedStyle(e).fontSize") == page.locator("body").evaluate(
        "e => getComputedStyle(e).fontSize"
    ), "form controls take the page's font, as on the settings page"


def test_the_conflicts_page_sits_in_the_centred_column(live_server, browser_page, dual):  # noqa: F811
    in_conflict(dual)
    page = as_owner(browser_page, live_server, dual)
    page.set_viewport_size({"width": 1600, "height": 900})
    widths = {}
    for name in ["conflicts", "dashboard"]:
        page.goto(f"{live_server.url}/reviews/dual/{name}/")
        widths[name] = page.locator("main").bounding_box()["width"]
    assert widths["conflicts"] == widths["dashboard"]


def test_a_refused_screening_settings_save_shows_its_error_at_the_screening_section(
    live_server,
    browser_page,  # noqa: F811
    dual,  # noqa: F811
):
    in_conflict(dual)
    page = as_owner(browser_page, live_server, dual)
    page.set_viewport_size({"width": 1000, "height": 500})
    page.goto(f"{live_server.url}/reviews/dual/settings/")

    page.get_by_label("Required screeners").select_option("1")
    page.get_by_role("button", name="Save screening settings").click()

    assert page.url.endswith("/settings/screening/#screening")
    alert = page.locator("#screening [role=alert]")
    expect(alert).to_contain_text("1 paper already has 2 decisions")
    expect(alert).to_be_in_viewport()


def test_a_refused_assignment_stays_at_the_page_address_and_clearing_asks_first(
    live_server,
    browser_page,  # noqa: F811
    dual,  # noqa: F811
):
    page = as_owner(browser_page, live_server, dual)
    url = f"{live_server.url}/reviews/dual/assignments/"
    page.goto(url)
    expect(page.get_by_role("checkbox", name="alice", exact=True)).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="bob", exact=True)).to_be_checked()
    page.get_by_role("checkbox", name="carol", exact=True).uncheck()
    page.get_by_label("Reviewers per paper").select_option("2")
    page.get_by_role("button", name="Assign papers").click()

    expect(page.get_by_role("alert")).to_contain_text("when you chose 1")
    assert page.url == url
    assert not Assignment.objects.exists()

    page.get_by_label("Reviewers per paper").select_option("1")
    page.get_by_role("button", name="Assign papers").click()
    expect(page.locator(".messages")).to_contain_text("Each paper will get 1 screener but the review requires 2:")
    assert Assignment.objects.filter(user=dual.bob).count() == 4
    expect(page.get_by_role("checkbox", name="bob", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="carol", exact=True)).not_to_be_checked()

    page.get_by_role("button", name="Clear all assignments").click()
    assert Assignment.objects.count() == 4, "the browser asks for the tick first"
    page.get_by_label("Yes, clear all assignments").check()
    page.get_by_role("button", name="Clear all assignments").click()
    expect(page.locator(".messages")).to_contain_text("Cleared 4 assignments")
    assert not Assignment.objects.exists()
