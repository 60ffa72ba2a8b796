"""History in a browser: a member restores the comment they deleted, from its placeholder and from the paper's
timeline; an owner finds a reviewer's decision of today on the review's history page."""

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Comment, ExclusionReason, Membership, Role
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.factories import make_paper, make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def screened(db):
    users = {name: make_user(name) for name in ("alice", "bob", "carol")}
    paper = make_paper("2305.06500", title="InstructBLIP", abstract="Vision-language instruction tuning.")
    review = make_review(
        papers=[paper],
        members={users["alice"]: Role.OWNER, users["bob"]: Role.REVIEWER, users["carol"]: Role.REVIEWER},
        blind=True,
        required_screeners=2,
    )
    reason = ExclusionReason.objects.create(review=review, label="Off topic")
    bob, carol = (
        Membership.objects.select_related("review", "user").get(review=review, user=users[n]) for n in ("bob", "carol")
    )
    annotating.decide(bob, paper.pk, "maybe")
    annotating.decide(bob, paper.pk, "exclude", reason.pk)
    annotating.decide(carol, paper.pk, "include")
    asked = annotating.add_comment(bob, paper.pk, "Which models were tuned?")
    annotating.add_comment(carol, paper.pk, "Several.", parent_id=asked.pk)
    annotating.add_comment(bob, paper.pk, "Worth a second look.")
    return review, paper, users


def test_a_member_restores_a_deleted_comment_from_the_placeholder_and_from_the_timeline(
    live_server,
    browser_page,  # noqa: F811
    client,
    screened,
):
    review, paper, users = screened
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    log_in_with_cookie(page.context, live_server, client, users["bob"])
    page.goto(f"{live_server.url}/reviews/{review.slug}/papers/{paper.arxiv_id}/")
    thread = page.locator(f"#comments-{paper.pk}")

    # A comment with a reply leaves a placeholder, which offers to restore it.
    asked = thread.locator("article.comment", has_text="Which models were tuned?")
    asked.get_by_role("button", name="Delete").click()
    expect(thread).not_to_contain_text("Which models were tuned?")
    placeholder = thread.locator("article.comment", has_text="This comment was deleted by its author.")
    placeholder.get_by_role("button", name="Restore").click()
    expect(thread).to_contain_text("Which models were tuned?")
    assert Comment.objects.get(body="Which models were tuned?").deleted_at is None

    # One without replies leaves nothing in the thread; the paper's history brings it back.
    lone = thread.locator("article.comment", has_text="Worth a second look.")
    lone.get_by_role("button", name="Delete").click()
    expect(thread).not_to_contain_text("Worth a second look.")
    assert Comment.objects.get(body="Worth a second look.").deleted_at is not None
    page.get_by_text("History", exact=True).click()
    deleted = page.locator(".history-entry", has_text="comment deleted: “Worth a second look.”")
    deleted.get_by_role("button", name="Restore").click()
    expect(page.locator(f"#comments-{paper.pk}")).to_contain_text("Worth a second look.")
    assert Comment.objects.get(body="Worth a second look.").deleted_at is None
    page.get_by_text("History", exact=True).click()
    expect(page.locator(".history-entry").first).to_contain_text("bob")
    expect(page.locator(".history-entry").first).to_contain_text("comment restored: “Worth a second look.”")


def test_an_owner_finds_a_reviewer_s_decision_of_today_in_the_history(live_server, browser_page, client, screened):  # noqa: F811
    from django.utils import timezone

    review, paper, users = screened
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, users["alice"])
    page.goto(f"{live_server.url}/reviews/{review.slug}/history/")
    expect(page.locator(".history-entry", has_text="carol")).not_to_have_count(0)

    today = timezone.localdate().isoformat()
    page.get_by_label("Person").select_option("bob")
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill(today)
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(
        f"{live_server.url}/reviews/{review.slug}/history/?person=bob&kind=&since={today}&until={today}"
    )
    entries = page.locator(".history-entry")
    expect(entries.filter(has_text="decision: maybe → exclude (Off topic)")).to_have_count(1)
    expect(entries.filter(has_text="carol")).to_have_count(0)
    entries.filter(has_text="decision: maybe → exclude").get_by_role("link", name="arXiv:2305.06500").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("InstructBLIP")
