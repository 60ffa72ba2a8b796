"""Blind dual screening in a browser: the owner turns it on in the settings; bob sees carol's vote on a paper
only once he has decided on it himself."""

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Change, ChangeKind, Membership, Review, Role, ScreeningDecision
from tests.browser import browser_page, login  # noqa: F401 - browser_page is a fixture
from tests.factories import make_paper, make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_turns_blind_screening_on_and_bob_sees_carols_vote_only_after_deciding(live_server, browser_page):  # noqa: F811
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    paper = make_paper("2401.00001", title="Agents that plan", abstract="Language agents plan their steps.")
    review = make_review(
        "agents", papers=[paper], members={alice: Role.OWNER, bob: Role.REVIEWER, carol: Role.REVIEWER}
    )
    annotating.decide(Membership.objects.select_related("review").get(user=carol), paper.pk, "exclude")
    annotating.set_score(Membership.objects.select_related("review").get(user=carol), paper.pk, 2)
    page = browser_page

    # Alice, the owner, turns blind screening on and asks for two screeners a paper.
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/agents/settings/")
    page.get_by_label("Blind screening").check()
    page.get_by_label("Required screeners").select_option("2")
    page.get_by_role("button", name="Save screening settings").click()
    expect(page.locator(".messages")).to_contain_text("Saved the screening settings")
    review = Review.objects.get(pk=review.pk)
    assert (review.blind, review.required_screeners) == (True, 2)
    assert set(Change.objects.filter(kind=ChangeKind.SETTING).values_list("subject", flat=True)) == {
        "blind",
        "required_screeners",
    }
    page.get_by_role("button", name="Log out").click()

    # Bob opens the review: carol's vote, her score and the team's status are hidden from him.
    login(page, live_server, "bob")
    page.goto(f"{live_server.url}/reviews/agents/")
    row = page.locator(".screening-row").first
    expect(row.locator(".team-status")).to_have_text("Team: hidden until you decide (blind screening)")
    expect(row.locator(".team-score")).to_contain_text("Team scores hidden until you decide")
    expect(page.get_by_text("not available while screening is blind")).to_be_visible()
    expect(page.get_by_label("Team status")).to_have_count(0)

    # He decides; only then he sees carol's exclusion beside his inclusion, and her score.
    row.get_by_role("button", name="Include").click()
    expect(row.locator(".team-status")).to_contain_text("Conflict")
    expect(row.locator(".votes")).to_have_text("(1 include · 0 maybe · 1 exclude)")
    expect(row.locator(".team-score")).to_contain_text("Team mean 2.0 from 1 score")
    assert ScreeningDecision.objects.get(user=bob).decision == "include"

    # Clearing his decision hides the team again.
    row.get_by_role("button", name="Clear decision").click()
    expect(row.locator(".team-status")).to_have_text("Team: hidden until you decide (blind screening)")
    expect(row.locator(".team-score")).to_contain_text("Team scores hidden")
    assert not ScreeningDecision.objects.filter(user=bob).exists()


def test_the_owner_hides_comments_too_and_bob_reads_carols_only_after_deciding(live_server, browser_page):  # noqa: F811
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    paper = make_paper("2401.00002", title="Agents that argue", abstract="Language agents debate.")
    make_review(
        "debate",
        papers=[paper],
        blind=True,
        required_screeners=2,
        members={alice: Role.OWNER, bob: Role.REVIEWER, carol: Role.REVIEWER},
    )
    annotating.add_comment(
        Membership.objects.select_related("review").get(user=carol), paper.pk, "Carol thinks **no**."
    )
    page = browser_page

    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/debate/settings/")
    page.get_by_label("Hide others' comments too").check()
    page.get_by_role("button", name="Save screening settings").click()
    expect(page.locator(".messages")).to_contain_text("Saved the screening settings")
    assert Review.objects.get(slug="debate").hide_comments_while_blind
    page.get_by_role("button", name="Log out").click()

    # Bob reads neither carol's comment nor how many there are, until he decides.
    login(page, live_server, "bob")
    page.goto(f"{live_server.url}/reviews/debate/papers/{paper.arxiv_id}/")
    thread = page.locator(f"#comments-{paper.pk}")
    expect(thread).to_contain_text("Others' comments are hidden until you decide (blind screening)")
    expect(thread).not_to_contain_text("Carol thinks")
    expect(page.locator(f"#comment-count-{paper.pk}")).to_have_text("others' hidden")

    page.get_by_role("button", name="Include").click()
    expect(thread).to_contain_text("Carol thinks no.")
    expect(thread).not_to_contain_text("Others' comments are hidden")
    expect(page.locator(f"#comment-count-{paper.pk}")).to_have_text("1")
    assert ScreeningDecision.objects.get(user=bob).decision == "include"
