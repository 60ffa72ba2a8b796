"""The review list's cached rows and filter form (reviews/row_cache.py, filter_form_cache.py) are never stale:
after any write, by anyone, the list shows what a fresh render shows; blind mode hides and reveals as before;
each browser's forms carry its own CSRF token and return to the page it is on."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from papers.models import Paper
from reviews import annotating, configuring
from reviews.models import ExclusionReason, Membership, ReviewPaper, Role, Tag
from reviews.row_cache import CACHE
from tests.factories import logged_in, make_paper, make_review, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# The list, a search, and filters one of which is refused (its error shown in the form).
QUERIES = [{}, {"q": "abstract", "sort": "oldest"}, {"my_decision": "include", "month_from": "not-a-month"}]
# A masked CSRF token: a new one on every page (in the forms and in htmx's header).
TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


class Team:
    """A blind review needing two screeners with hidden comments: alice owns it, bob and carol screen, rosa
    resolves, olivia observes."""

    def __init__(self):
        self.alice, self.bob, self.carol = make_user("alice"), make_user("bob"), make_user("carol")
        self.rosa, self.olivia = make_user("rosa"), make_user("olivia")
        self.papers = [make_paper(f"2301.{n:05d}", title=f"Paper {n}") for n in range(1, 5)]
        self.review = make_review(
            "cached-panels",
            papers=self.papers,
            blind=True,
            required_screeners=2,
            hide_comments_while_blind=True,
            members={
                self.alice: Role.OWNER,
                self.bob: Role.REVIEWER,
                self.carol: Role.REVIEWER,
                self.rosa: Role.RESOLVER,
                self.olivia: Role.OBSERVER,
            },
        )
        self.reason = ExclusionReason.objects.create(review=self.review, label="Wrong population")
        self.paper = self.papers[0]

    def member(self, user) -> Membership:
        return Membership.objects.select_related("review", "user").get(review=self.review, user=user)

    @property
    def everyone(self):
        return [self.alice, self.bob, self.carol, self.rosa, self.olivia]

    def list_url(self) -> str:
        return reverse("reviews:paper_list", args=[self.review.slug])


@pytest.fixture
def team():
    return Team()


def list_html(client, url, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return TOKEN.sub("csrf-token", response.content.decode())


def row(html: str, paper) -> str:
    """The list row of ``paper``: from its <li> to the next row or the list's end."""
    start = html.index(f'id="paper-{paper.pk}"')
    end = html.find('<li class="paper screening-row"', start)
    return html[start : end if end != -1 else html.index("</ol>", start)]


def test_after_every_kind_of_write_each_member_sees_what_a_fresh_render_shows(client, team):
    """Writes by different members, each followed by every member's list from the cache and rendered afresh."""
    bob, carol, alice = team.member(team.bob), team.member(team.carol), team.member(team.alice)
    paper, other = team.papers[0].pk, team.papers[1].pk
    tag = Tag.objects.create(review=team.review, name="method", colour="#aa0000", description="How")
    writes = [
        lambda: annotating.decide(carol, paper, "exclude", team.reason.pk),
        lambda: annotating.set_score(carol, paper, 4),
        lambda: annotating.apply_tag(carol, paper, "method"),
        lambda: annotating.add_comment(carol, paper, "Carol's note"),
        lambda: annotating.decide(bob, paper, "include", None),  # a conflict: the team's status changes
        lambda: annotating.set_score(bob, paper, 2),
        lambda: annotating.apply_tag(bob, other, "method"),
        lambda: ExclusionReason.objects.filter(pk=team.reason.pk).update(label="Wrong cohort"),
        lambda: Tag.objects.filter(pk=tag.pk).update(name="methods"),
        lambda: Tag.objects.filter(pk=tag.pk).update(colour="#00aa00"),
        lambda: Tag.objects.filter(pk=tag.pk).update(description="Which"),
        lambda: type(team.bob).objects.filter(pk=team.carol.pk).update(username="caroline"),
        lambda: annotating.remove_tag(alice, paper, tag.pk),
        lambda: annotating.decide(bob, paper, "", None),  # cleared: blind again for bob
        lambda: Membership.objects.filter(review=team.review, user=team.olivia).update(role=Role.REVIEWER),
        lambda: Paper.objects.filter(pk=paper).update(title="A retitled paper", authors=["Ada Lovelace"]),
        lambda: configuring.change_settings(alice, {"inclusion_keywords": "retitled"}),
        lambda: Paper.objects.filter(pk=other).update(abstract="A new abstract, retitled too."),
        lambda: configuring.change_settings(alice, {"hide_comments_while_blind": False}),
        lambda: configuring.change_settings(alice, {"blind": False}),
    ]
    viewers = [logged_in(Client(), user) for user in team.everyone]
    for viewer in viewers:
        viewer.get(team.list_url())  # every member's panels cached before the first write
    for number, write in enumerate(writes):
        write()
        # The cache holds every member's rows as they were before this write: the list, and a search's.
        cached = [list_html(viewer, team.list_url(), **query) for viewer in viewers for query in QUERIES]
        caches[CACHE].clear()
        fresh = [list_html(viewer, team.list_url(), **query) for viewer in viewers for query in QUERIES]
        pages = [(user, query) for user in team.everyone for query in QUERIES]
        for user, before, after in zip(pages, cached, fresh, strict=True):
            assert before == after, f"{user}'s list after write {number} was stale"


def test_another_members_decision_shows_on_the_owners_next_page_load(client, team):
    logged_in(client, team.alice)
    before = row(list_html(client, team.list_url()), team.paper)
    assert "0 include" not in before and "1 include" not in before

    annotating.decide(team.member(team.carol), team.paper.pk, "include", None)

    after = row(list_html(client, team.list_url()), team.paper)
    assert "(1 include · 0 maybe · 0 exclude)" in after


def test_blind_reviewer_sees_the_team_only_after_deciding_and_the_change_after_reload(client, team):
    carol = team.member(team.carol)
    annotating.decide(carol, team.paper.pk, "exclude", team.reason.pk)
    annotating.set_score(carol, team.paper.pk, 5)
    annotating.apply_tag(carol, team.paper.pk, "Carols hunch")
    logged_in(client, team.bob)

    hidden = row(list_html(client, team.list_url()), team.paper)
    assert "Team: hidden until you decide" in hidden
    assert "Carols hunch" not in hidden and "Team mean" not in hidden
    assert "hidden" in row(list_html(client, team.list_url()), team.paper)  # and from the cache

    response = client.post(
        reverse("reviews:decide", args=[team.review.slug, team.paper.pk]), {"decision": "include"}, headers=HTMX
    )
    assert response.status_code == 200

    shown = row(list_html(client, team.list_url()), team.paper)
    assert "Carols hunch" in shown
    assert "Team mean <strong>5.0</strong>" in shown
    assert "(1 include · 0 maybe · 1 exclude)" in shown

    # Carol changes her mind after bob has decided: bob's next page load shows it.
    annotating.decide(carol, team.paper.pk, "include", None)
    annotating.remove_tag(carol, team.paper.pk, Tag.objects.get(review=team.review).pk)
    again = row(list_html(client, team.list_url()), team.paper)
    assert "(2 include · 0 maybe · 0 exclude)" in again
    assert "Carols hunch" not in again

    # Clearing his decision hides the team again.
    client.post(reverse("reviews:decide", args=[team.review.slug, team.paper.pk]), {"decision": ""})
    assert "Team: hidden until you decide" in row(list_html(client, team.list_url()), team.paper)


def test_two_members_with_the_same_view_share_a_panel_but_never_one_with_more_to_see(client, team):
    annotating.decide(team.member(team.carol), team.paper.pk, "include", None)
    logged_in(client, team.bob)
    bob_row = row(list_html(client, team.list_url()), team.paper)
    rosa = Client()
    logged_in(rosa, team.rosa)
    rosa_row = row(list_html(rosa, team.list_url()), team.paper)
    assert "Team: hidden" in bob_row
    assert "(1 include · 0 maybe · 0 exclude)" in rosa_row and "Team: hidden" not in rosa_row


def test_each_browser_gets_forms_with_its_own_csrf_token(team):
    """Two browsers of one reviewer: each page's token is the one that browser's cookie accepts."""
    for number in range(2):
        browser = Client(enforce_csrf_checks=True)
        logged_in(browser, team.bob)
        page = browser.get(team.list_url()).content.decode()
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', row(page, team.papers[number])))
        assert len(tokens) == 1
        decide = reverse("reviews:decide", args=[team.review.slug, team.papers[number].pk])
        response = browser.post(decide, {"decision": "maybe", "csrfmiddlewaretoken": tokens.pop()})
        assert response.status_code == 302
        refused = browser.post(decide, {"decision": "include", "csrfmiddlewaretoken": "x" * 64})
        assert refused.status_code == 403
    assert ReviewPaper.objects.filter(review=team.review, maybe_count=1).count() == 2


def test_the_forms_return_to_the_page_they_are_on(client, team):
    logged_in(client, team.bob)
    first = list_html(client, team.list_url(), sort="oldest")
    second = list_html(client, team.list_url(), sort="oldest", page="1")
    assert 'name="next" value="/reviews/cached-panels/?sort=oldest#paper-' in first
    assert 'name="next" value="/reviews/cached-panels/?sort=oldest&amp;page=1#paper-' in second


def test_a_plain_post_from_a_cached_panel_redirects_back_and_the_list_shows_it(client, team):
    logged_in(client, team.bob)
    html = client.get(team.list_url()).content.decode()
    assert 'aria-pressed="true"' not in row(html, team.paper)
    response = client.post(
        reverse("reviews:score", args=[team.review.slug, team.paper.pk]),
        {"value": "3", "next": f"{team.list_url()}#paper-{team.paper.pk}"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{team.list_url()}#paper-{team.paper.pk}"
    shown = row(client.get(team.list_url()).content.decode(), team.paper)
    assert re.search(r'aria-label="Score 3" data-key="3"\s+aria-pressed="true"', shown)


def test_an_htmx_swap_of_the_list_returns_its_forms_to_the_browsers_page(client, team):
    logged_in(client, team.bob)
    client.get(team.list_url())
    current = f"http://testserver{team.list_url()}?sort=oldest"
    response = client.get(team.list_url(), {"sort": "newest"}, headers={**HTMX, "HX-Current-URL": current})
    assert f'name="next" value="{team.list_url()}?sort=oldest#paper-' in response.content.decode()


def test_the_filter_form_offers_a_new_tag_and_keeps_what_each_address_asks(client, team):
    logged_in(client, team.bob)
    assert "freshly made" not in list_html(client, team.list_url())
    tag = Tag.objects.create(review=team.review, name="freshly made")
    assert "freshly made" in list_html(client, team.list_url())
    checked = list_html(client, team.list_url(), tags=str(tag.pk))
    assert f'value="{tag.pk}" checked>freshly made' in checked
    assert f'value="{tag.pk}" checked>' not in list_html(client, team.list_url())
