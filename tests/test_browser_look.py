"""What a reviewer sees: pages of a list, pressed buttons, error pages, provenance, untitled papers."""

import re

import pytest
from playwright.sync_api import expect

from reviews import annotating
from reviews.models import Membership, Role
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.browser_checks import contrast, size
from tests.factories import make_paper, make_review, make_user
from tests.importer_fixtures import SEED, run_import_papers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ids_on(page) -> list[str]:
    return page.locator(".paper-list > li.paper").evaluate_all("rows => rows.map(row => row.id)")


def test_paging_through_a_filtered_review_list_forwards_and_back(live_server, browser_page, client):  # noqa: F811
    matching = [make_paper(abstract=f"Alpha study number {n}.") for n in range(55)]
    others = [make_paper(abstract=f"Beta study number {n}.") for n in range(5)]
    bob = make_user("bob")
    make_review(papers=[*matching, *others], members={bob: Role.REVIEWER})
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    page.get_by_label("Search").fill("alpha")
    expect(page.locator(".result-count")).to_contain_text("55 papers matching")
    first_page = ids_on(page)

    page.get_by_role("link", name="Next ›").first.click()
    expect(page).to_have_url(re.compile(r"\?q=alpha&.*[?&]page=2$"))
    expect(page.locator(".result-count")).to_contain_text("page 2 of 3")
    second_page = ids_on(page)
    assert len(second_page) == 25 and not set(first_page) & set(second_page)

    page.get_by_role("link", name="Last »").first.click()
    expect(page).to_have_url(re.compile(r"\?q=alpha&.*[?&]page=3$"))
    expect(page.locator(".paper-list > li.paper")).to_have_count(5)
    expect(page.locator(".paper-list")).not_to_contain_text("Beta study")

    page.get_by_role("link", name="‹ Previous").first.click()
    expect(page.locator(".result-count")).to_contain_text("page 2 of 3")
    assert ids_on(page) == second_page

    page.go_back()
    expect(page.locator(".result-count")).to_contain_text("page 3 of 3")
    page.go_back()
    expect(page.locator(".result-count")).to_contain_text("page 2 of 3")
    page.go_back()
    expect(page.locator(".result-count")).to_contain_text("55 papers matching alpha · page 1 of 3")
    page.wait_for_load_state()
    assert ids_on(page) == first_page
    expect(page.get_by_label("Search")).to_have_value("alpha")
    page.go_forward()
    expect(page.locator(".result-count")).to_contain_text("page 2 of 3")
    page.wait_for_load_state()
    assert ids_on(page) == second_page

    # The address is shareable: opened afresh, it shows the same page with the filter filled in.
    page.goto(f"{live_server.url}/reviews/llm-review/?q=alpha&page=2")
    assert ids_on(page) == second_page
    expect(page.get_by_label("Search")).to_have_value("alpha")
    page.get_by_role("link", name="« First").first.click()
    expect(page.locator(".result-count")).to_contain_text("page 1 of 3")
    assert ids_on(page) == first_page


def test_paging_through_the_corpus(live_server, browser_page, client):  # noqa: F811
    for n in range(30):
        make_paper(abstract=f"Paper number {n}.")
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, make_user("reader"))
    page.goto(f"{live_server.url}/papers/")
    first_page = ids_on(page)

    page.get_by_role("link", name="Next ›").first.click()

    expect(page).to_have_url(re.compile(r"/papers/\?page=2$"))
    expect(page.locator(".paper-list > li.paper")).to_have_count(5)
    assert not set(first_page) & set(ids_on(page))
    page.get_by_role("link", name="‹ Previous").first.click()
    expect(page.locator(".paper-list > li.paper")).to_have_count(25)
    assert ids_on(page) == first_page


def test_the_score_and_decision_i_chose_are_legible(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    row = page.locator(f"#paper-{team.paper.pk}")

    row.get_by_role("button", name="Score 3").click()
    row.get_by_role("button", name="Maybe").click()

    pressed_score = row.get_by_role("button", name="Score 3")
    expect(pressed_score).to_have_attribute("aria-pressed", "true")
    expect(row.get_by_role("button", name="Maybe")).to_have_attribute("aria-pressed", "true")
    assert contrast(pressed_score) >= 4.5
    assert contrast(row.get_by_role("button", name="Maybe")) >= 4.5
    assert contrast(row.locator(".status-maybe")) >= 4.5
    # It also looks different from the scores not chosen.
    backgrounds = [
        row.get_by_role("button", name=f"Score {n}").evaluate("b => getComputedStyle(b).backgroundColor")
        for n in (2, 3)
    ]
    assert backgrounds[0] != backgrounds[1]
    assert team.review.scores.get(user=team.bob).value == 3


def test_panel_buttons_are_big_enough_to_tap_on_a_phone(live_server, browser_page, client, team):  # noqa: F811
    bob = Membership.objects.select_related("review", "user").get(review=team.review, user=team.bob)
    annotating.apply_tag(bob, team.paper.pk, "benchmark")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_with_cookie(page.context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    row = page.locator(f"#paper-{team.paper.pk}")

    targets = [
        row.get_by_role("button", name="Remove my tag benchmark"),
        *(row.get_by_role("button", name=f"Score {n}") for n in range(1, 6)),
        *(row.get_by_role("button", name=name, exact=True) for name in ("Include", "Maybe", "Exclude")),
    ]

    for target in targets:
        width, height = size(target)
        assert width >= 24 and height >= 24, (target, width, height)

    # Screening mode's Undo (after a decision, so there is one to undo), and its key in the help.
    page.goto(f"{live_server.url}/reviews/llm-review/screen/")
    page.get_by_role("button", name="Include", exact=True).click()
    undo = page.get_by_role("button", name="Undo my last decision")
    width, height = size(undo)
    assert width >= 24 and height >= 24, ("undo", width, height)
    page.keyboard.press("?")
    expect(page.locator("#keyboard-help")).to_contain_text("In screening mode: undo my last decision")


def test_an_observer_refused_settings_sees_the_site_and_a_way_home(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.olivia)

    response = page.goto(f"{live_server.url}/reviews/llm-review/settings/")

    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You can’t do that here")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator("main")).to_contain_text("owners can change its settings")
    page.get_by_role("link", name="Back to your reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reviews")
    expect(page.get_by_role("link", name="Llm Review")).to_be_visible()


def test_a_missing_page_has_the_site_layout(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.bob)

    response = page.goto(f"{live_server.url}/reviews/no-such-review/")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("link", name="All papers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Papers")


def test_an_expired_form_explains_itself_in_the_site_layout(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    # As if the page had been open across a new session: its token no longer matches the cookie.
    page.locator("input[name=csrfmiddlewaretoken]").evaluate("input => { input.value = 'x'.repeat(32); }")

    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("That form could not be accepted")
    page.get_by_role("link", name="Back to your reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_reimporting_a_file_shows_one_provenance_line(live_server, browser_page, client):  # noqa: F811
    run_import_papers(SEED)
    run_import_papers(SEED)
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, make_user("reader"))

    page.goto(f"{live_server.url}/papers/2212.10544/")

    lines = page.get_by_role("region", name="Imported from").get_by_role("listitem")
    expect(lines).to_have_count(1)
    expect(lines).to_contain_text("000_17fd64235e3a3294.txt")
    expect(lines).to_contain_text("the same file again 1 time")


def test_a_paper_without_a_title_leads_with_its_first_sentence(live_server, browser_page, client, team):  # noqa: F811
    run_import_papers(SEED)  # the seed corpus has no titles
    team.review.add_papers(list(type(team.paper).objects.filter(arxiv_id="2212.10544").values_list("pk", flat=True)))
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, team.bob)
    sentence = "Transformers have been essential to pretraining success in NLP."

    for url in ("/papers/", "/reviews/llm-review/"):
        page.goto(f"{live_server.url}{url}?q=essential+pretraining")
        heading = page.get_by_role("heading", name=f"arXiv:2212.10544 No title; first sentence: {sentence}")
        expect(heading).to_be_visible()
        lead = heading.locator(".lead")
        assert lead.evaluate("e => getComputedStyle(e).fontStyle") == "italic"
        assert lead.evaluate("e => getComputedStyle(e).fontWeight") == "400"
        # The hidden label is for screen readers; sighted readers see the id and the quoted sentence.
        assert size(heading.get_by_text("No title; first sentence:")) <= (1, 1)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    expect(page.get_by_role("heading", name="Chain-of-Thought Prompting", exact=True)).to_be_visible()


# The width a select needs for its longest choice: the text in the select's own font, its padding and borders,
# and room for the arrow (Chromium's is about 20 px).
WIDEST_CHOICE = """select => {
    const style = getComputedStyle(select);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const text = Math.max(...[...select.options].map(option => context.measureText(option.text).width));
    const frame = ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"]
        .reduce((sum, side) => sum + parseFloat(style[side]), 0);
    return {name: select.name, needs: Math.ceil(text + frame + 20), has: select.getBoundingClientRect().width};
}"""


def test_every_filter_choice_can_be_read_on_a_phone(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_with_cookie(page.context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_text("More filters").click()

    selects = page.locator(".review-filters select").evaluate_all(f"selects => selects.map({WIDEST_CHOICE})")

    assert {select["name"] for select in selects} >= {"status", "my_decision", "sort"}
    cut = [select for select in selects if select["needs"] > select["has"]]
    assert not cut, cut
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_pages_load_without_a_missing_file_or_a_console_error(live_server, browser_page, client, team):  # noqa: F811
    page = browser_page
    missing, errors = [], []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/accounts/login/")
    log_in_with_cookie(page.context, live_server, client, team.bob)
    page.goto(f"{live_server.url}/reviews/llm-review/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # the browser asks for the page's icon after the load

    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").ok
    assert missing == [] and errors == []
