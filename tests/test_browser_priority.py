"""The priority order in a browser: the list's "Most likely relevant" sort before and after five decisions,
screening mode serving the top-ranked paper, blind mode's own orders, the settings section, a phone, no JavaScript.

The review holds papers on two topics whose words do not overlap (protein folding, galaxy surveys), alternating in
the default newest-first order, so a model that learned "protein papers are included" visibly reorders the list.
"""

import re
from dataclasses import dataclass

import pytest
from django.test import Client
from playwright.sync_api import expect

from papers.models import Paper
from reviews import annotating, screening
from reviews.models import Membership, PriorityRanking, PriorityScore, Review, Role, ScreeningDecision
from tests.browser import CHROMIUM, CHROMIUM_ARGS, browser_page, log_in_with_cookie, login  # noqa: F401 - a fixture
from tests.browser_checks import horizontal_overflow, too_wide
from tests.factories import make_paper, make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PER_PAGE = 25
RANK = re.compile(r"^Priority #(\d+) · score -?\d+\.\d{3}$")
PROTEINS = [
    "protein folding",
    "amino acid residues",
    "enzyme catalysis",
    "molecular dynamics of proteins",
    "ligand binding affinity",
]
GALAXIES = [
    "galaxy clusters",
    "dark matter haloes",
    "telescope photometry",
    "redshift surveys",
    "stellar populations",
]


@dataclass
class Topics:
    review: Review
    protein: list[int]  # paper ids, newest first
    galaxy: list[int]

    @property
    def newest_first(self) -> list[int]:
        """The review's default order, as the list's first page shows it."""
        return [pk for pair in zip(self.protein, self.galaxy, strict=True) for pk in pair][:PER_PAGE]

    def membership(self, user) -> Membership:
        return Membership.objects.select_related("review").get(review=self.review, user=user)


def two_topic_review(slug: str, members: dict, **fields) -> Topics:
    """30 papers, 15 a topic, alternating protein, galaxy, protein, ... from the newest down."""
    protein, galaxy = [], []
    papers = []
    for n in range(30, 0, -1):
        words, kept = (PROTEINS, protein) if n % 2 == 0 else (GALAXIES, galaxy)
        first, second = words[n % 5], words[(n + 2) % 5]
        paper = make_paper(
            f"2303.{n:05d}",
            title=f"On {first} and {second}, study {n}",
            abstract=f"We measure {first} together with {second}. Our results on {first} improve on prior work "
            f"about {second}.",
        )
        papers.append(paper)
        kept.append(paper.pk)
    return Topics(make_review(slug, papers=papers, members=members, **fields), protein, galaxy)


def as_user(page, live_server, user, **options):
    """A fresh browser context logged in as ``user`` (a session of its own), on a new page."""
    context = page.context.browser.new_context(**options)
    context.set_default_timeout(10_000)
    log_in_with_cookie(context, live_server, Client(), user)
    return context.new_page()


def shown_order(page) -> list[int]:
    return page.locator("#results .screening-row").evaluate_all("rows => rows.map(row => Number(row.dataset.paper))")


def shown_ranks(page) -> list[str]:
    return page.locator("#results .screening-row").evaluate_all(
        "rows => rows.map(row => row.querySelector('.priority-rank')?.innerText.trim() ?? '')"
    )


def ranked_paper_ids(review: Review, user=None) -> list[int]:
    """The paper ids of the scope's current ranking, position 1 first, as the database holds them."""
    ranking = PriorityRanking.objects.get(review=review, user=user)
    scores = PriorityScore.objects.filter(ranking=ranking, generation=ranking.generation).order_by("position")
    return list(scores.values_list("review_paper__paper_id", flat=True))


def decide(topics: Topics, user, paper_ids, decision: str) -> None:
    for paper_id in paper_ids:
        annotating.decide(topics.membership(user), paper_id, decision)


def sort_by_priority(page) -> None:
    page.get_by_label("Sort by").select_option(label="Most likely relevant")
    expect(page).to_have_url(re.compile(r"[?&]sort=priority\b"))
    expect(page.locator("#results .priority-note")).to_be_visible()


def test_after_five_decisions_the_priority_sort_puts_the_likely_includes_first_and_screening_serves_the_top(
    live_server,
    browser_page,  # noqa: F811
):
    alice, bob = make_user("alice"), make_user("bob")
    topics = two_topic_review("folding", {alice: Role.OWNER, bob: Role.REVIEWER})
    page = browser_page
    login(page, live_server, "bob")
    page.goto(f"{live_server.url}/reviews/folding/")

    # Nothing decided yet: the sort falls back to the default order and says why.
    sort_by_priority(page)
    note = page.locator("#results .priority-note")
    expect(note).to_have_text(
        "The priority order needs at least 1 include and 1 exclude among the team's decisions; there are 0 includes "
        "and 0 excludes so far. Papers are in the default order (newest first) until then."
    )
    before = shown_order(page)
    assert before == topics.newest_first
    assert shown_ranks(page) == [""] * PER_PAGE

    # Bob includes two protein papers and excludes three galaxy papers, by button and by key.
    for paper_id in topics.protein[:2]:
        row = page.locator(f"#paper-{paper_id}")
        row.get_by_role("button", name="Include").click()
        expect(row.get_by_role("button", name="Include")).to_have_attribute("aria-pressed", "true")
    for paper_id in topics.galaxy[:3]:
        row = page.locator(f"#paper-{paper_id}")
        row.click(position={"x": 5, "y": 5})
        page.keyboard.press("e")
        expect(row.get_by_role("button", name="Exclude")).to_have_attribute("aria-pressed", "true")
    mine = ScreeningDecision.objects.filter(review=topics.review, user=bob)
    assert dict(mine.values_list("paper_id", "decision")) == {
        **dict.fromkeys(topics.protein[:2], "include"),
        **dict.fromkeys(topics.galaxy[:3], "exclude"),
    }

    # Reloaded, the list is in the model's order: the protein papers first, the undecided ones among them too.
    page.reload()
    expect(note).to_contain_text("Most likely relevant first")
    expect(note).to_contain_text("trained on 2 includes and 3 excludes from the team's decisions.")
    expect(note).to_contain_text("on the model's own scale, not a probability.")
    after = shown_order(page)
    assert after != before
    assert set(after[:15]) == set(topics.protein)
    undecided = [pk for pk in after if pk not in topics.protein[:2] + topics.galaxy[:3]]
    assert set(undecided[:13]) == set(topics.protein[2:])
    ranks = shown_ranks(page)
    assert all(RANK.match(rank) for rank in ranks), ranks
    assert [int(RANK.match(rank)[1]) for rank in ranks] == list(range(1, PER_PAGE + 1))
    assert after == ranked_paper_ids(topics.review)[:PER_PAGE]

    # A paper's own page, opened from the list, shows the same place in the order.
    third = page.locator(f"#paper-{after[2]}")
    listed_rank = third.locator(".priority-rank").inner_text()
    third.locator(".paper-title a").click()
    expect(page.locator("article .priority-rank")).to_have_text(listed_rank)
    assert listed_rank.startswith("Priority #3 ·")
    page.go_back()

    # Screening mode serves the highest-ranked paper that still needs bob, and shows its rank.
    page.goto(f"{live_server.url}/reviews/folding/screen/")
    needing = set(screening.to_screen_by(topics.membership(bob)).values_list("paper_id", flat=True))
    top = next(pk for pk in ranked_paper_ids(topics.review) if pk in needing)
    assert top in topics.protein
    served = page.locator("#screen .paper-detail")
    expect(served).to_have_attribute("data-paper", str(top))
    position = ranked_paper_ids(topics.review).index(top) + 1
    expect(served.locator(".priority-rank")).to_have_text(RANK)
    expect(served.locator(".priority-rank")).to_contain_text(f"Priority #{position} ·")
    # The note about the order folds away in screening mode, and opens to say how the order was learned.
    page.get_by_text("Most likely relevant first: about this order").click()
    expect(page.locator("#screen .priority-note")).to_contain_text("trained on 2 includes and 3 excludes")

    # Including it serves the next in the order retrained with that decision.
    page.keyboard.press("i")
    expect(served).not_to_have_attribute("data-paper", str(top))
    assert ScreeningDecision.objects.get(review=topics.review, user=bob, paper_id=top).decision == "include"
    needing.discard(top)
    following = next(pk for pk in ranked_paper_ids(topics.review) if pk in needing)
    expect(served).to_have_attribute("data-paper", str(following))
    assert following in topics.protein


def test_in_a_blind_review_another_reviewers_decisions_leave_my_order_alone_but_change_the_owners(
    live_server,
    browser_page,  # noqa: F811
):
    alice, bob, dave = make_user("alice"), make_user("bob"), make_user("dave")
    topics = two_topic_review(
        "blind-folding",
        {alice: Role.OWNER, bob: Role.REVIEWER, dave: Role.REVIEWER},
        blind=True,
        required_screeners=2,
    )
    decide(topics, bob, topics.protein[:2], "include")
    decide(topics, bob, topics.galaxy[:2], "exclude")
    list_url = f"{live_server.url}/reviews/blind-folding/?sort=priority"

    bob_page = as_user(browser_page, live_server, bob)
    bob_page.goto(f"{live_server.url}/reviews/blind-folding/")
    sort_by_priority(bob_page)
    expect(bob_page.locator(".priority-note")).to_contain_text("from your decisions and the resolvers' final decisions")
    bob_before = (shown_order(bob_page), shown_ranks(bob_page))
    alice_page = as_user(browser_page, live_server, alice)
    alice_page.goto(list_url)
    expect(alice_page.locator(".priority-note")).to_contain_text("from the team's decisions")
    alice_before = shown_order(alice_page)
    bob_generation = PriorityRanking.objects.get(review=topics.review, user=bob).generation

    # Dave screens six papers by key, disagreeing with bob: galaxies in, proteins out.
    dave_page = as_user(browser_page, live_server, dave)
    dave_page.goto(f"{live_server.url}/reviews/blind-folding/screen/")
    served = dave_page.locator("#screen .paper-detail")
    for done in range(1, 7):
        paper_id = int(served.get_attribute("data-paper"))
        dave_page.keyboard.press("i" if paper_id in topics.galaxy else "e")
        expect(dave_page.locator("#screen")).to_contain_text(f"{done} of 30 screened by you")
    assert ScreeningDecision.objects.filter(review=topics.review, user=dave).count() == 6
    assert ScreeningDecision.objects.filter(review=topics.review, user=dave, decision="include").exists()

    bob_page.reload()
    expect(bob_page.locator(".priority-note")).to_contain_text("trained on 2 includes and 2 excludes")
    assert (shown_order(bob_page), shown_ranks(bob_page)) == bob_before
    assert PriorityRanking.objects.get(review=topics.review, user=bob).generation == bob_generation
    alice_page.reload()
    expect(alice_page.locator(".priority-rank").first).to_be_visible()
    assert shown_order(alice_page) != alice_before
    assert shown_order(alice_page) == ranked_paper_ids(topics.review)[:PER_PAGE]


def test_the_owner_raises_the_includes_needed_and_the_list_falls_back_saying_so(
    live_server,
    browser_page,  # noqa: F811
):
    alice = make_user("alice")
    topics = two_topic_review("folding", {alice: Role.OWNER})
    decide(topics, alice, topics.protein[:2], "include")
    decide(topics, alice, topics.galaxy[:3], "exclude")
    page = browser_page
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/folding/?sort=priority")
    expect(page.locator(".priority-rank").first).to_have_text(RANK)

    # A bad value is refused beside its field, and nothing changes.
    page.goto(f"{live_server.url}/reviews/folding/settings/#priority")
    includes = page.get_by_label("Includes needed before ranking")
    includes.fill("0")
    page.get_by_role("button", name="Save priority settings").click()
    expect(page.locator("#priority")).to_contain_text("At least 1: the model needs an example of each kind.")
    assert Review.objects.get(pk=topics.review.pk).priority_min_includes == 1

    page.get_by_label("Includes needed before ranking").fill("3")
    page.get_by_role("button", name="Save priority settings").click()
    expect(page.locator(".messages")).to_contain_text("Saved the priority order settings.")
    expect(page.get_by_label("Includes needed before ranking")).to_have_value("3")
    assert Review.objects.get(pk=topics.review.pk).priority_min_includes == 3

    page.goto(f"{live_server.url}/reviews/folding/?sort=priority")
    expect(page.locator(".priority-note")).to_have_text(
        "The priority order needs at least 3 includes and 1 exclude among the team's decisions; there are 2 "
        "includes and 3 excludes so far. Papers are in the default order (newest first) until then."
    )
    expect(page.locator(".priority-rank")).to_have_count(0)
    assert shown_order(page) == topics.newest_first


def test_the_ranked_list_and_screening_mode_fit_a_phone(live_server, browser_page, client):  # noqa: F811
    alice, bob = make_user("alice"), make_user("bob")
    topics = two_topic_review("folding", {alice: Role.OWNER, bob: Role.REVIEWER})
    decide(topics, bob, topics.protein[:2], "include")
    decide(topics, bob, topics.galaxy[:3], "exclude")
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in_with_cookie(page.context, live_server, client, bob)

    for name, path in [
        ("the ranked list", "/reviews/folding/?sort=priority"),
        ("screening mode", "/reviews/folding/screen/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(".priority-rank").first).to_have_text(RANK)
        expect(page.locator(".priority-note").first).to_be_visible()
        overflow = horizontal_overflow(page)
        assert overflow <= 0, f"{name} is {overflow}px too wide for a phone: {too_wide(page)}"


def test_the_sort_works_without_javascript(live_server, browser_page):  # noqa: F811
    alice, bob = make_user("alice"), make_user("bob")
    topics = two_topic_review("folding", {alice: Role.OWNER, bob: Role.REVIEWER})
    decide(topics, alice, topics.protein[:2], "include")
    decide(topics, alice, topics.galaxy[:3], "exclude")
    page = as_user(browser_page, live_server, bob, java_script_enabled=False)
    page.goto(f"{live_server.url}/reviews/folding/")

    page.get_by_label("Sort by").select_option(label="Most likely relevant")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"[?&]sort=priority\b"))
    expect(page.locator(".priority-note")).to_contain_text("Most likely relevant first")
    expect(page.get_by_label("Sort by")).to_have_value("priority")
    assert shown_order(page) == ranked_paper_ids(topics.review)[:PER_PAGE]
    assert set(shown_order(page)[:15]) == set(topics.protein)
    assert [int(RANK.match(rank)[1]) for rank in shown_ranks(page)] == list(range(1, PER_PAGE + 1))

    # A paper's page opened from the ranked list goes on to the next one in the same order.
    first, second = ranked_paper_ids(topics.review)[:2]
    page.locator(f"#paper-{first} .paper-title a").click()
    page.get_by_role("link", name="Next").click()
    expect(page.locator("h1")).to_have_text(Paper.objects.get(pk=second).title)
    expect(page).to_have_url(re.compile(r"[?&]sort=priority\b"))
