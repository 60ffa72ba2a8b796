"""Screening at one key a paper, in a browser: what the page shows after each key, and what the database holds."""

import re

import pytest
from playwright.sync_api import expect

from reviews.models import ExclusionReason, Review, Score, ScreeningDecision, ScreeningPreferences
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CURRENT = re.compile(r"\bis-current\b")


@pytest.fixture
def screening(team):
    """The team's review with twelve papers in all and three exclusion reasons."""
    papers = [
        make_paper(f"2303.{n:05d}", title=f"Paper {n}", abstract=f"Study {n} of instruction tuning. " * 12)
        for n in range(101, 111)
    ]
    team.review.add_papers([paper.pk for paper in papers])
    team.reasons = [
        ExclusionReason.objects.create(review=team.review, label=label, position=n)
        for n, label in enumerate(["Wrong population", "Wrong study design", "Not peer reviewed"])
    ]
    return team


def open_list(page, live_server, client, user, query=""):
    log_in_with_cookie(page.context, live_server, client, user)
    page.goto(f"{live_server.url}/reviews/llm-review/{query}")
    return page.locator(".screening-row")


def current_row(page):
    return page.locator(".screening-row.is-current")


def top_of(locator) -> float:
    return locator.evaluate("element => element.getBoundingClientRect().top")


def decision_of(team, user, row):
    return ScreeningDecision.objects.filter(
        review=team.review, user=user, paper_id=int(row.get_attribute("data-paper"))
    )


def test_exclude_then_a_digit_saves_that_reason_and_it_can_be_changed(live_server, browser_page, client, screening):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)
    first = rows.first

    page.keyboard.press("e")
    reasons = first.locator(".reason-buttons")
    expect(reasons).to_be_visible()
    expect(reasons.get_by_role("button")).to_have_text(
        ["1 Wrong population", "2 Wrong study design", "3 Not peer reviewed"]
    )
    page.keyboard.press("2")

    expect(first.get_by_role("button", name="2 Wrong study design")).to_have_attribute("aria-pressed", "true")
    expect(rows.nth(1)).to_have_class(CURRENT)
    assert decision_of(screening, screening.bob, first).get().reason == screening.reasons[1]

    # Changed afterwards by a click: the exclusion stays, with the new reason.
    first.get_by_role("button", name="3 Not peer reviewed").click()
    expect(first.get_by_role("button", name="3 Not peer reviewed")).to_have_attribute("aria-pressed", "true")
    expect(rows.nth(1)).to_have_class(CURRENT)
    decision = decision_of(screening, screening.bob, first).get()
    assert (decision.decision, decision.reason) == ("exclude", screening.reasons[2])

    # And by keyboard: back to it, e, then the digit.
    page.keyboard.press("k")
    expect(first).to_have_class(CURRENT)
    page.keyboard.press("e")
    page.keyboard.press("1")
    expect(first.get_by_role("button", name="1 Wrong population")).to_have_attribute("aria-pressed", "true")
    expect(rows.nth(1)).to_have_class(CURRENT)
    assert decision_of(screening, screening.bob, first).get().reason == screening.reasons[0]


def test_a_refused_tag_name_stays_in_the_box_and_says_why(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, team.bob)
    box = rows.first.get_by_role("combobox", name="Add tag")
    # Twelve characters that NFKC expands to 216: too long for the tag's normalised key.
    typed = "\ufdfa" * 12

    page.keyboard.press("t")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")

    expect(rows.first.locator(".panel-tags .error")).to_have_text("That tag name is too long once normalised.")
    expect(box).to_have_value(typed)
    expect(box).to_be_focused()
    assert not team.review.tags.exists()


def test_j_and_k_follow_next_and_previous_on_a_papers_page_keeping_the_filters(
    live_server,
    browser_page,  # noqa: F811
    client,
    screening,
):
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, screening.bob)
    # Oldest first: other_paper (2201), then the 2303 papers, then team.paper (2305).
    page.goto(f"{live_server.url}/reviews/llm-review/?sort=oldest")
    page.locator(".screening-row").first.get_by_role("link", name="Chain-of-Thought Prompting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chain-of-Thought Prompting")
    expect(page.get_by_role("link", name="‹ Previous")).to_have_count(0)

    page.keyboard.press("j")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paper 101")
    assert page.url.endswith("/papers/2303.00101/?sort=oldest")
    page.keyboard.press("j")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paper 102")
    page.keyboard.press("k")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paper 101")
    page.get_by_role("link", name="Next ›").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paper 102")


def test_a_decision_on_a_papers_page_goes_on_to_the_next_paper(live_server, browser_page, client, screening):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, screening.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/papers/2303.00105/")

    page.keyboard.press("i")

    expect(page.get_by_role("heading", level=1)).to_have_text("Paper 104")
    decision = ScreeningDecision.objects.get(user=screening.bob, paper__arxiv_id="2303.00105")
    assert decision.decision == "include"


def test_after_a_decision_the_next_paper_is_current_at_the_top_and_a_reload_resumes_there(
    live_server,
    browser_page,  # noqa: F811
    client,
    screening,
):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 700})
    rows = open_list(page, live_server, client, screening.bob)

    for n in range(3):
        page.keyboard.press("m")
        expect(rows.nth(n + 1)).to_have_class(CURRENT)
        expect(rows.nth(n + 1)).to_be_focused()
    for n in range(3):
        expect(rows.nth(n).get_by_role("button", name="Maybe")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("Math.abs(document.querySelector('.is-current').getBoundingClientRect().top) < 20")
    assert ScreeningDecision.objects.filter(user=screening.bob, decision="maybe").count() == 3

    page.reload()
    expect(rows.nth(3)).to_have_class(CURRENT)
    expect(rows.first).not_to_have_class(CURRENT)
    page.wait_for_function("Math.abs(document.querySelector('.is-current').getBoundingClientRect().top) < 20")
    page.keyboard.press("i")
    expect(rows.nth(4)).to_have_class(CURRENT)
    expect(rows.nth(3).get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    assert decision_of(screening, screening.bob, rows.nth(3)).get().decision == "include"


def test_with_auto_advance_off_the_paper_stays_current(live_server, browser_page, client, screening):  # noqa: F811
    ScreeningPreferences.objects.create(user=screening.bob, auto_advance=False)
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)

    page.keyboard.press("i")

    expect(rows.first.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    expect(rows.first).to_have_class(CURRENT)
    expect(rows.nth(1)).not_to_have_class(CURRENT)


def test_x_expands_the_abstract_and_enter_and_ctrl_enter_hand_the_keys_back(
    live_server,
    browser_page,  # noqa: F811
    client,
    screening,
):
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)
    first = rows.first
    full_text = "Vision-language instruction tuning with InstructBLIP models."

    page.keyboard.press("x")
    expect(first.locator("details.abstract-toggle")).to_have_attribute("open", "")
    expect(first.locator("details.abstract-toggle > p")).to_have_text(full_text)
    page.keyboard.press("x")
    expect(first.locator("details.abstract-toggle")).not_to_have_attribute("open", "")

    page.keyboard.press("t")
    page.keyboard.type("multimodal")
    page.keyboard.press("Enter")
    expect(first.get_by_role("button", name="tag multimodal")).to_be_visible()
    expect(first).to_be_focused()

    page.keyboard.press("c")
    expect(first.get_by_role("textbox", name="Comment")).to_be_focused()
    page.keyboard.type("Worth a second look.")
    page.keyboard.press("Control+Enter")
    expect(first.locator(".comment-body")).to_have_text("Worth a second look.")
    expect(first).to_be_focused()

    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(CURRENT)


def test_single_key_shortcuts_turned_off_in_the_help_do_nothing(live_server, browser_page, client, screening):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_contain_text("Show or hide the full abstract")
    help_dialog.get_by_label("Single-key shortcuts").uncheck()
    help_dialog.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Single-key shortcuts are off.")).to_be_visible()

    page.keyboard.press("i")
    page.keyboard.press("j")
    page.keyboard.press("?")
    expect(help_dialog).not_to_be_visible()
    expect(rows.first).to_have_class(CURRENT)
    expect(rows.first.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "false")
    assert not ScreeningDecision.objects.exists()
    preferences = ScreeningPreferences.objects.get(user=screening.bob)
    assert (preferences.single_key_shortcuts, preferences.auto_advance) == (False, True)


def test_preferences_are_saved_without_javascript(live_server, browser_page, client, team):  # noqa: F811
    context = browser_page.context.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in_with_cookie(context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")

    page.get_by_role("link", name="Screening preferences").click()
    page.get_by_label("Move to the next paper after a decision").uncheck()
    page.get_by_role("button", name="Save preferences").click()

    expect(page.get_by_text("Screening preferences saved.")).to_be_visible()
    assert page.url == f"{live_server.url}/reviews/llm-review/"
    assert ScreeningPreferences.objects.get(user=team.bob).auto_advance is False
    context.close()


def test_inclusion_and_exclusion_keywords_are_highlighted_in_two_colours(live_server, browser_page, client, team):  # noqa: F811
    Review.objects.filter(pk=team.review.pk).update(inclusion_keywords="instruct", exclusion_keywords="prompt")
    page = browser_page
    open_list(page, live_server, client, team.bob, "?q=tuning")

    # Beside the search's own highlight, in the excerpt.
    expect(page.locator(".excerpt mark.kw-include")).to_have_text(["instruction", "InstructBLIP"])
    expect(page.locator(".excerpt mark:not(.kw)")).to_have_text(["tuning"])

    page.goto(f"{live_server.url}/reviews/llm-review/")
    expect(page.locator("h2 mark.kw-exclude")).to_have_text("Prompting")
    expect(page.locator(".abstract-toggle summary mark.kw-include")).to_have_text(["instruction", "InstructBLIP"])
    colour = "m => getComputedStyle(m).backgroundColor"
    include_colour = page.locator("mark.kw-include").first.evaluate(colour)
    exclude_colour = page.locator("mark.kw-exclude").first.evaluate(colour)
    assert include_colour != exclude_colour

    page.goto(f"{live_server.url}/reviews/llm-review/papers/{team.other_paper.arxiv_id}/")
    expect(page.locator("h1 mark.kw-exclude")).to_have_text("Prompting")
    expect(page.locator(".abstract-text mark.kw-exclude")).to_have_text("prompts")


def test_the_measured_goal_one_key_a_decision_two_with_a_reason_or_a_score(
    live_server,
    browser_page,  # noqa: F811
    client,
    screening,
):
    """Ten papers screened by keyboard alone; each decision lands on the next paper."""
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)
    expect(rows).to_have_count(12)
    ids = [int(rows.nth(n).get_attribute("data-paper")) for n in range(12)]
    plan = [
        ["i"],  # decision only: one key
        ["e", "1"],  # exclude with a reason: two keys
        ["4", "i"],  # score and decision: two keys
        ["m"],
        ["e", "3"],
        ["2", "e", "2"],  # score, then exclude with a reason
        ["5", "m"],
        ["i"],
        ["e", "2"],
        ["1", "i"],
    ]
    keys_pressed = 0
    for n, keys in enumerate(plan):
        expect(rows.nth(n)).to_have_class(CURRENT)
        for key in keys:
            page.keyboard.press(key)
            keys_pressed += 1
        expect(rows.nth(n + 1)).to_have_class(CURRENT)
        expect(rows.nth(n + 1)).to_be_focused()
    assert keys_pressed == 18  # ten papers, four of them scored and three excluded with a reason

    # What the page shows once the answers are in, then the database.
    shown = ["Include", "Exclude", "Include", "Maybe", "Exclude", "Exclude", "Maybe", "Include", "Exclude", "Include"]
    for n, label in enumerate(shown):
        expect(rows.nth(n).locator('.decision-buttons button[aria-pressed="true"]')).to_have_text(label)
    for n, reason in {1: "1 Wrong population", 4: "3 Not peer reviewed", 5: "2 Wrong study design"}.items():
        expect(rows.nth(n).get_by_role("button", name=reason)).to_have_attribute("aria-pressed", "true")
    expect(rows.nth(8).get_by_role("button", name="2 Wrong study design")).to_have_attribute("aria-pressed", "true")
    expect(rows.nth(9).get_by_role("button", name="Score 1")).to_have_attribute("aria-pressed", "true")

    decisions = {
        d.paper_id: (d.decision, d.reason.label if d.reason else None)
        for d in ScreeningDecision.objects.filter(user=screening.bob).select_related("reason")
    }
    population, design, peer = (reason.label for reason in screening.reasons)
    assert decisions == {
        ids[0]: ("include", None),
        ids[1]: ("exclude", population),
        ids[2]: ("include", None),
        ids[3]: ("maybe", None),
        ids[4]: ("exclude", peer),
        ids[5]: ("exclude", design),
        ids[6]: ("maybe", None),
        ids[7]: ("include", None),
        ids[8]: ("exclude", design),
        ids[9]: ("include", None),
    }
    scores = dict(Score.objects.filter(user=screening.bob).values_list("paper_id", "value"))
    assert scores == {ids[2]: 4, ids[5]: 2, ids[6]: 5, ids[9]: 1}


def test_in_a_review_without_reasons_exclude_is_one_key(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, team.bob)

    page.keyboard.press("e")

    expect(rows.nth(1)).to_have_class(CURRENT)
    expect(rows.first.get_by_role("button", name="Exclude")).to_have_attribute("aria-pressed", "true")
    expect(rows.first.locator(".reason-buttons")).to_have_count(0)
    assert decision_of(team, team.bob, rows.first).get().decision == "exclude"


def test_keys_typed_faster_than_the_answers_land_on_the_papers_meant(live_server, browser_page, client, screening):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)

    for key in "imim":
        page.keyboard.press(key)

    expect(rows.nth(4)).to_have_class(CURRENT)
    for n, label in enumerate(["Include", "Maybe", "Include", "Maybe"]):
        expect(rows.nth(n).locator('.decision-buttons button[aria-pressed="true"]')).to_have_text(label)
    decided = ScreeningDecision.objects.filter(user=screening.bob).values_list("paper_id", "decision")
    assert dict(decided) == {
        int(rows.nth(n).get_attribute("data-paper")): decision
        for n, decision in enumerate(["include", "maybe", "include", "maybe"])
    }


def test_moving_on_after_exclude_gives_the_digits_back_to_the_scores(live_server, browser_page, client, screening):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)
    first, second = rows.nth(0), rows.nth(1)

    page.keyboard.press("e")
    page.keyboard.press("j")
    expect(second).to_have_class(CURRENT)
    expect(first.locator(".reason-buttons")).to_be_visible()
    page.keyboard.press("3")

    expect(second.get_by_role("button", name="Score 3")).to_have_attribute("aria-pressed", "true")
    assert decision_of(screening, screening.bob, first).get().reason is None
    assert Score.objects.get(user=screening.bob).paper_id == int(second.get_attribute("data-paper"))


def test_clicking_another_paper_after_a_mouse_exclude_gives_the_digits_to_it(
    live_server,
    browser_page,  # noqa: F811
    client,
    screening,
):
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)
    first, second = rows.nth(0), rows.nth(1)

    first.get_by_role("button", name="Exclude").click()
    expect(first.locator(".reason-buttons")).to_be_visible()
    second.locator(".paper-text").click()
    page.keyboard.press("3")

    expect(second.get_by_role("button", name="Score 3")).to_have_attribute("aria-pressed", "true")
    assert decision_of(screening, screening.bob, first).get().reason is None


def test_a_digit_picks_the_reason_when_the_exclusion_reloaded_the_page(live_server, browser_page, client, screening):  # noqa: F811
    # Before htmx takes a page over (or without it), `e` posts the form plainly and the page comes back showing the
    # reasons to choose: its "Press a number" holds there too.
    page = browser_page
    page.route("**/django-htmx/**", lambda route: route.abort())
    page.route("**/htmx*.js", lambda route: route.abort())
    log_in_with_cookie(page.context, live_server, client, screening.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/screen/")
    first_paper = int(page.locator("#screen .screening-row").get_attribute("data-paper"))

    with page.expect_navigation():
        page.keyboard.press("e")
    expect(page.locator("#screen .reason-buttons")).to_be_visible()
    with page.expect_navigation():
        page.keyboard.press("2")

    decided = ScreeningDecision.objects.get(user=screening.bob, paper_id=first_paper)
    assert (decided.decision, decided.reason) == ("exclude", screening.reasons[1])
    assert not Score.objects.filter(user=screening.bob).exists()
    expect(page.locator("#screen .screening-row")).not_to_have_attribute("data-paper", str(first_paper))


class HeldAnswers:
    """Requests to ``pattern`` wait until ``let_through``: keys typed meanwhile all arrive before the first answer,
    however fast the server (the race a quick typist runs on a slow network)."""

    def __init__(self, page, pattern: str):
        self.page, self.pattern, self.waiting, self.holding = page, re.compile(pattern), [], True
        page.route(self.pattern, self.handler)

    def handler(self, route):
        if self.holding:
            self.waiting.append(route)
        else:
            route.continue_()

    def let_through(self):
        self.page.wait_for_timeout(50)  # for the requests sent by the last keys to reach the route
        self.holding = False
        for route in self.waiting:
            route.continue_()


def test_keys_typed_before_an_exclusions_reasons_arrive_wait_for_them(live_server, browser_page, client, screening):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)
    answers = HeldAnswers(page, r"/decision/$")

    for key in "me1i":
        page.keyboard.press(key)
    answers.let_through()

    expect(rows.nth(3)).to_have_class(CURRENT)
    expect(rows.nth(2).locator('.decision-buttons button[aria-pressed="true"]')).to_have_text("Include")
    first, second, third = (decision_of(screening, screening.bob, rows.nth(n)).get() for n in range(3))
    assert (first.decision, second.decision, second.reason, third.decision) == (
        "maybe",
        "exclude",
        screening.reasons[0],
        "include",
    )


def test_keys_typed_faster_than_screening_mode_answers_each_decide_the_next_paper(
    live_server,
    browser_page,  # noqa: F811
    client,
    screening,
):
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, screening.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/screen/")
    page.wait_for_load_state("domcontentloaded")
    answers = HeldAnswers(page, r"/decision/$")

    for key in "imi":
        page.keyboard.press(key)
    answers.let_through()

    expect(page.locator(".screen-progress")).to_contain_text("3 of 12 screened by you")
    decided = ScreeningDecision.objects.filter(user=screening.bob).order_by("pk")
    assert [decision.decision for decision in decided] == ["include", "maybe", "include"]
    assert len({decision.paper_id for decision in decided}) == 3


def test_what_is_typed_after_c_goes_into_the_comment_box_while_it_loads(live_server, browser_page, client, screening):  # noqa: F811
    page = browser_page
    rows = open_list(page, live_server, client, screening.bob)
    answers = HeldAnswers(page, r"/comments/$")

    page.keyboard.press("c")
    page.keyboard.type("interesting 1")
    answers.let_through()

    box = rows.first.locator('textarea[data-key="c"]')
    expect(box).to_be_focused()
    expect(box).to_have_value("interesting 1")
    assert not ScreeningDecision.objects.filter(user=screening.bob).exists()
    assert not Score.objects.filter(user=screening.bob).exists()
