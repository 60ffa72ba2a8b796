"""Screening in a browser: the keyboard, the htmx swaps, quoting and the filter URL."""

import re

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Comment, Membership, PaperTag, ReviewPaper, Score, ScreeningDecision, TeamStatus
from tests.browser import browser_page, log_in_with_cookie, login  # noqa: F401 - browser_page is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row_of(page, paper):
    return page.locator(f"#paper-{paper.pk}")


def test_a_reviewer_screens_a_paper_by_keyboard_without_reloading(live_server, browser_page, team):  # noqa: F811
    page = browser_page
    login(page, live_server, "bob")
    page.goto(f"{live_server.url}/reviews/llm-review/")
    rows = page.locator(".screening-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_class(re.compile(r"\bis-current\b"))
    # Marks the document: a full page load would lose it, an htmx swap keeps it.
    page.evaluate("window.loadedOnce = true")

    page.keyboard.press("j")
    row = rows.nth(1)
    expect(row).to_have_class(re.compile(r"\bis-current\b"))
    expect(rows.first).not_to_have_class(re.compile(r"\bis-current\b"))
    paper_id = int(row.get_attribute("data-paper"))

    page.keyboard.press("4")
    expect(row.get_by_role("button", name="Score 4")).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".team-score")).to_contain_text("Team mean 4.0 from 1 score")

    page.keyboard.press("i")
    expect(row.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".team-status")).to_contain_text("Included")

    page.keyboard.press("t")
    # The tag box suggests the review's vocabulary (a <datalist>), which makes it a combobox.
    expect(row.get_by_role("combobox", name="Add tag")).to_be_focused()
    page.keyboard.type("multimodal")
    page.keyboard.press("Enter")
    expect(row.get_by_role("button", name="tag multimodal")).to_be_visible()
    page.keyboard.press("Escape")
    expect(row.get_by_role("combobox", name="Add tag")).not_to_be_focused()
    expect(row).to_be_focused()

    page.keyboard.press("c")
    comment_box = row.get_by_role("textbox", name="Comment")
    expect(comment_box).to_be_focused()
    page.keyboard.type("Relevant: instruction tuning on images.")
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Post comment")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.locator(".comments .comment-body")).to_have_text("Relevant: instruction tuning on images.")
    expect(row.locator("details.comments-toggle > summary")).to_have_text("Comments (1)")

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()

    assert page.evaluate("window.loadedOnce") is True
    mine = {"review__slug": "llm-review", "paper_id": paper_id, "user": team.bob}
    assert Score.objects.get(**mine).value == 4
    assert ScreeningDecision.objects.get(**mine).decision == "include"
    assert list(
        PaperTag.objects.filter(review__slug="llm-review", paper_id=paper_id).values_list("tag__name", flat=True)
    ) == ["multimodal"]
    assert list(Comment.objects.filter(paper_id=paper_id, author=team.bob).values_list("body", flat=True)) == [
        "Relevant: instruction tuning on images."
    ]


def test_a_new_tag_is_applied_and_removed_by_mouse(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.dave)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    row = row_of(page, team.paper)

    row.get_by_role("combobox", name="Add tag").fill("vision")
    row.get_by_role("button", name="Add", exact=True).click()
    remove = row.get_by_role("button", name="tag vision")
    expect(remove).to_be_visible()
    assert PaperTag.objects.filter(paper=team.paper, tag__name="vision", applied_by=team.dave).exists()

    remove.click()
    expect(remove).to_have_count(0)
    expect(row.locator(".tag-chips")).to_have_text("No tags")
    assert not PaperTag.objects.filter(paper=team.paper).exists()
    # The tag stays in the review's vocabulary; only its use on this paper went.
    assert team.review.tags.filter(name="vision").exists()


def test_a_comment_quotes_a_passage_selected_in_the_abstract(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/papers/{team.paper.arxiv_id}/")

    page.locator(".abstract-text").evaluate(
        """(abstract, passage) => {
            const walker = document.createTreeWalker(abstract, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode()) && !node.data.includes(passage));
            const start = node.data.indexOf(passage);
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + passage.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            abstract.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""",
        "instruction tuning",
    )
    expect(page.locator(".quote-preview")).to_be_visible()
    expect(page.locator(".quote-preview")).to_contain_text("Quoting: instruction tuning")

    page.get_by_role("textbox", name="Comment").fill("Is this the core contribution?")
    page.get_by_role("button", name="Post comment").click()

    comment = page.locator("article.comment")
    expect(comment.locator(".comment-body")).to_have_text("Is this the core contribution?")
    # The page reloaded as a whole: no second page nested in the thread.
    expect(page.locator("header.site-header")).to_have_count(1)
    saved = Comment.objects.get(paper=team.paper)
    expect(comment).to_have_id(f"comment-{saved.pk}")
    expect(comment.locator("blockquote.quote")).to_have_text("instruction tuning")
    mark = page.locator(".abstract-text mark.quote")
    expect(mark).to_have_text("instruction tuning")
    expect(mark).to_have_id(f"quote-{saved.pk}")
    expect(page.locator(".abstract-text a.quote-ref")).to_have_attribute("href", f"#comment-{saved.pk}")
    assert team.paper.abstract[saved.quote_start : saved.quote_end] == "instruction tuning"
    assert saved.quote == "instruction tuning"


def test_a_second_reviewer_sees_the_first_ones_work(live_server, browser_page, client, team):  # noqa: F811
    bobs_page = browser_page
    login(bobs_page, live_server, "bob")
    bobs_page.goto(f"{live_server.url}/reviews/llm-review/")
    bobs_row = row_of(bobs_page, team.paper)
    bobs_row.get_by_role("button", name="Score 3").click()
    expect(bobs_row.get_by_role("button", name="Score 3")).to_have_attribute("aria-pressed", "true")
    bobs_row.get_by_role("button", name="Include").click()
    expect(bobs_row.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    bobs_row.get_by_role("combobox", name="Add tag").fill("benchmark")
    bobs_row.get_by_role("combobox", name="Add tag").press("Enter")
    expect(bobs_row.get_by_role("button", name="tag benchmark")).to_be_visible()
    bobs_row.locator("details.comments-toggle > summary").click()
    bobs_row.get_by_role("textbox", name="Comment").fill("Worth a full read.")
    bobs_row.get_by_role("button", name="Post comment").click()
    expect(bobs_row.locator(".comment-body")).to_have_text("Worth a full read.")

    daves_context = bobs_page.context.browser.new_context()
    log_in_with_cookie(daves_context, live_server, client, team.dave)
    daves_page = daves_context.new_page()
    daves_page.goto(f"{live_server.url}/reviews/llm-review/")
    daves_row = row_of(daves_page, team.paper)
    expect(daves_row.locator(".team-score")).to_contain_text("Team mean 3.0 from 1 score")
    expect(daves_row.locator(".team-status")).to_contain_text("Included")
    expect(daves_row.locator(".tag-chips .chip")).to_contain_text("benchmark")
    expect(daves_row.locator("details.comments-toggle > summary")).to_have_text("Comments (1)")
    # Dave's own buttons start unpressed: the team's figures are not his.
    expect(daves_row.get_by_role("button", name="Score 3")).to_have_attribute("aria-pressed", "false")
    expect(daves_row.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "false")

    daves_row.get_by_role("button", name="Exclude").click()
    expect(daves_row.locator(".team-status")).to_contain_text("Conflict")
    bobs_page.reload()
    expect(row_of(bobs_page, team.paper).locator(".team-status")).to_contain_text("Conflict")
    assert ReviewPaper.objects.get(review=team.review, paper=team.paper).team_status == TeamStatus.CONFLICT


def test_the_filter_url_round_trips_through_back_and_forward(live_server, browser_page, client, team):  # noqa: F811
    alice = Membership.objects.select_related("review", "user").get(review=team.review, user=team.alice)
    annotating.decide(alice, team.paper.pk, "include")
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    expect(page.locator(".result-count")).to_contain_text("2 papers")
    page.evaluate("window.loadedOnce = true")
    status = page.get_by_label("Team status")

    status.select_option(label="Included")
    expect(page).to_have_url(re.compile(r"[?&]status=included(&|$)"))
    expect(page.locator(".result-count")).to_contain_text("1 paper")
    expect(row_of(page, team.paper)).to_be_visible()
    assert page.evaluate("window.loadedOnce") is True

    status.select_option(label="Undecided")
    expect(page).to_have_url(re.compile(r"[?&]status=undecided(&|$)"))
    expect(page.locator(".result-count")).to_contain_text("1 paper")
    expect(row_of(page, team.other_paper)).to_be_visible()
    expect(row_of(page, team.paper)).to_have_count(0)
    assert page.evaluate("window.loadedOnce") is True

    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]status=included(&|$)"))
    expect(status).to_have_value("included")
    expect(page.locator(".result-count")).to_contain_text("1 paper")
    expect(row_of(page, team.paper)).to_be_visible()
    expect(row_of(page, team.other_paper)).to_have_count(0)

    page.go_forward()
    expect(page).to_have_url(re.compile(r"[?&]status=undecided(&|$)"))
    expect(status).to_have_value("undecided")
    expect(row_of(page, team.other_paper)).to_be_visible()
    expect(row_of(page, team.paper)).to_have_count(0)

    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]status=included(&|$)"))
    expect(status).to_have_value("included")
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/reviews/llm-review/")
    expect(status).to_have_value("")
    expect(page.locator(".result-count")).to_contain_text("2 papers")


def test_an_observer_sees_no_screening_controls(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.olivia)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    expect(page.locator(".screening-row")).to_have_count(2)
    expect(page.locator(".keys-hint")).to_contain_text("You are an observer.")

    for name in ["Include", "Maybe", "Exclude", "Score 1", "Score 5"]:
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("combobox", name="Add tag")).to_have_count(0)
    # The shortcuts find nothing to press.
    page.keyboard.press("i")
    page.keyboard.press("4")
    expect(page.locator(".team-status").first).to_contain_text("Undecided")
    assert not ScreeningDecision.objects.exists()
    assert not Score.objects.exists()


def test_the_tag_box_suggests_tags_of_the_review_as_one_types(live_server, browser_page, client, team):  # noqa: F811
    for name in ["chain-of-thought prompting", "prompt injection", "efficiency"]:
        team.review.tags.create(name=name)
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/papers/{team.paper.arxiv_id}/")
    box = page.get_by_role("combobox", name="Add tag")
    suggestions = page.locator(f"#tag-suggestions-{team.paper.pk} option")

    box.click()
    expect(suggestions).to_have_count(3)
    box.press_sequentially("PROMPT", delay=30)
    expect(suggestions).to_have_count(2)
    assert suggestions.evaluate_all("options => options.map(o => o.value)") == [
        "prompt injection",
        "chain-of-thought prompting",
    ]

    box.fill("prompt injection")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("button", name="tag prompt injection")).to_be_visible()
    assert list(PaperTag.objects.filter(paper=team.paper).values_list("tag__name", flat=True)) == ["prompt injection"]
    assert team.review.tags.count() == 3
