"""Blind mode on every read path: a reviewer who has not decided on a paper learns nothing of anyone else's
decision, reason, score or tags on it, from any page, fragment, filter, sort, count or message."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import annotating
from reviews.models import ExclusionReason, Membership, PaperTag, ReviewPaper, Role, Tag
from tests.factories import logged_in, make_paper, make_review, make_user

HTMX = {"HX-Request": "true"}
SECRET_TAG = "Carols hunch"


class Blind:
    """A blind review needing two screeners: carol has screened every paper; bob has screened none."""

    def __init__(self):
        self.alice, self.bob, self.carol = make_user("alice"), make_user("bob"), make_user("carol")
        self.rosa, self.olivia = make_user("rosa"), make_user("olivia")
        self.papers = [make_paper(f"2301.{n:05d}", title=f"Paper {n}") for n in range(1, 7)]
        self.review = make_review(
            "blind-review",
            papers=self.papers,
            blind=True,
            required_screeners=2,
            members={
                self.alice: Role.OWNER,
                self.bob: Role.REVIEWER,
                self.carol: Role.REVIEWER,
                self.rosa: Role.RESOLVER,
                self.olivia: Role.OBSERVER,
            },
        )
        self.reason = ExclusionReason.objects.create(review=self.review, label="Wrong population")
        self.tag = Tag.objects.create(review=self.review, name=SECRET_TAG)
        self.paper = self.papers[0]
        carol = self.membership(self.carol)
        for number, paper in enumerate(self.papers):
            decision = ["exclude", "include", "maybe"][number % 3]
            annotating.decide(carol, paper.pk, decision, self.reason.pk if decision == "exclude" else None)
            annotating.set_score(carol, paper.pk, number % 5 + 1)
            if number % 2 == 0:
                annotating.apply_tag(carol, paper.pk, SECRET_TAG)
        annotating.add_comment(carol, self.paper.pk, "A visible comment by carol.")

    def membership(self, user) -> Membership:
        return Membership.objects.select_related("review", "user").get(review=self.review, user=user)

    def list_url(self, **query):
        return reverse("reviews:paper_list", args=[self.review.slug])

    def paper_url(self, paper=None):
        return reverse("reviews:paper", args=[self.review.slug, (paper or self.paper).arxiv_id])


@pytest.fixture
def blind(db):
    return Blind()


def team_data_shown(html: str) -> list[str]:
    """What in ``html`` tells of carol's work on the papers (empty when nothing does)."""
    signs = {
        "team mean": "Team mean",
        "vote counts": re.compile(r"\d+ include · \d+ maybe · \d+ exclude"),
        "team status": re.compile(r'class="status status-'),
        "final decision": "Final:",
        "carol's tag chip": "applied by carol",
        "carol's tag name on a paper": re.compile(rf'class="chip[^"]*"[^>]*>\s*{SECRET_TAG}'),
    }
    shown = []
    for name, sign in signs.items():
        found = sign.search(html) if isinstance(sign, re.Pattern) else sign in html
        if found:
            shown.append(name)
    return shown


def results_of(html: str) -> str:
    """The list's results section (the filter form above it lists the vocabulary, which is no one's vote)."""
    return html[html.index('<section id="results"') :]


def test_the_list_page_shows_a_blinded_reviewer_none_of_the_team_data(client, blind):
    html = logged_in(client, blind.bob).get(blind.list_url()).text

    assert team_data_shown(results_of(html)) == []
    assert "hidden until you decide" in html
    assert "A visible comment" not in html  # the list only counts comments; the thread is one click away


def test_the_results_fragment_shows_a_blinded_reviewer_none_of_the_team_data(client, blind):
    response = logged_in(client, blind.bob).get(blind.list_url(), {"q": ""}, headers=HTMX)

    assert response.text.lstrip().startswith('<section id="results"')
    assert team_data_shown(response.text) == []


def test_the_paper_page_hides_the_team_but_shows_comments(client, blind):
    html = logged_in(client, blind.bob).get(blind.paper_url()).text

    assert team_data_shown(html) == []
    assert "A visible comment by carol." in html


def test_the_comments_fragment_hides_the_team(client, blind):
    url = reverse("reviews:comments", args=[blind.review.slug, blind.paper.pk])

    response = logged_in(client, blind.bob).get(url, headers=HTMX)

    assert "A visible comment by carol." in response.text
    assert team_data_shown(response.text) == []


@pytest.mark.parametrize(
    ("view", "data"),
    [
        ("tag_add", {"name": "my own tag"}),
        ("score", {"value": "3"}),
        ("score", {"value": "9"}),  # refused
        ("decide", {"decision": "bogus"}),  # refused
        ("comment_add", {"body": "A comment of bob's."}),
        ("comment_add", {"body": ""}),  # refused
    ],
)
def test_every_panel_fragment_after_a_post_hides_the_team_until_the_reviewer_decides(client, blind, view, data):
    url = reverse(f"reviews:{view}", args=[blind.review.slug, blind.paper.pk])

    response = logged_in(client, blind.bob).post(url, data, headers=HTMX)

    assert response.status_code in (200, 422)
    assert team_data_shown(response.text) == []


def test_removing_a_tag_someone_else_applied_changes_nothing_and_tells_nothing(client, blind):
    url = reverse("reviews:tag_remove", args=[blind.review.slug, blind.paper.pk, blind.tag.pk])

    response = logged_in(client, blind.bob).post(url, headers=HTMX)

    assert response.status_code == 200
    assert team_data_shown(response.text) == []
    assert PaperTag.objects.filter(paper=blind.paper, applied_by=blind.carol).exists()


def test_applying_a_tag_someone_else_applied_makes_the_reviewers_own(client, blind):
    url = reverse("reviews:tag_add", args=[blind.review.slug, blind.paper.pk])

    response = logged_in(client, blind.bob).post(url, {"name": SECRET_TAG}, headers=HTMX)

    assert "applied by bob" in response.text
    assert "carol" not in response.text
    remove_url = reverse("reviews:tag_remove", args=[blind.review.slug, blind.paper.pk, blind.tag.pk])
    assert f'hx-post="{remove_url}"' in response.text
    assert PaperTag.objects.filter(paper=blind.paper, tag=blind.tag).count() == 2


def test_the_decision_fragment_shows_the_team_once_the_reviewer_decides_and_hides_it_when_they_clear(client, blind):
    url = reverse("reviews:decide", args=[blind.review.slug, blind.paper.pk])
    logged_in(client, blind.bob)

    decided = client.post(url, {"decision": "include"}, headers=HTMX).text

    assert "1 include · 0 maybe · 1 exclude" in decided
    assert 'class="status status-conflict"' in decided
    # The score and the tags follow out of band.
    assert 'id="score-' in decided and "Team mean" in decided
    assert "applied by carol" in decided

    cleared = client.post(url, {"decision": ""}, headers=HTMX).text

    assert team_data_shown(cleared) == []
    assert 'hx-swap-oob="true"' in cleared, "the revealed score and tags are hidden again"


def test_after_deciding_the_paper_page_shows_the_team(client, blind):
    annotating.decide(blind.membership(blind.bob), blind.paper.pk, "include")

    html = logged_in(client, blind.bob).get(blind.paper_url()).text

    assert "1 include · 0 maybe · 1 exclude" in html
    assert "Team mean" in html
    assert "applied by carol" in html


@pytest.mark.parametrize("who", ["alice", "rosa"])
def test_owners_and_resolvers_always_see_the_team(client, blind, who):
    html = logged_in(client, getattr(blind, who)).get(blind.list_url()).text

    assert {"team mean", "vote counts", "team status", "carol's tag chip"} <= set(team_data_shown(html))


def test_observers_stay_blind(client, blind):
    html = logged_in(client, blind.olivia).get(blind.list_url()).text

    assert team_data_shown(results_of(html)) == []
    assert team_data_shown(logged_in(client, blind.olivia).get(blind.paper_url()).text) == []


def test_an_open_review_shows_reviewers_everything_as_before(client, blind):
    blind.review.blind = False
    blind.review.save()

    html = logged_in(client, blind.bob).get(blind.list_url()).text

    assert "team mean" in team_data_shown(html)


def listed(client, url, query) -> tuple[list[int], int]:
    response = client.get(url, query)
    assert response.status_code == 200
    page = response.context["page"]
    return [row.paper_id for row in page.object_list], page.paginator.count


CRAFTED = [
    {"status": "excluded"},
    {"status": "included"},
    {"mean_min": "4"},
    {"mean_max": "2"},
    {"sort": "mean_score"},
    {"final": "exclude"},
    {"final": "none"},
    {"status": "conflict", "sort": "mean_score", "mean_min": "1", "final": "include"},
]


@pytest.mark.parametrize("crafted", CRAFTED)
def test_crafted_revealing_filters_and_sorts_are_ignored_for_a_blinded_reviewer(client, blind, crafted):
    logged_in(client, blind.bob)
    url = blind.list_url()

    plain = listed(client, url, {"q": ""})
    with_crafted = listed(client, url, {"q": "", **crafted})

    assert with_crafted == plain, "the same papers, in the same order, and the same count"
    response = client.get(url, crafted)
    assert "not applied" not in response.text, "ignored without an error that would hint at anything"
    form_fields = set(response.context["filterset"].form.fields)
    assert not {"status", "mean_min", "mean_max", "final"} & form_fields
    assert "mean_score" not in dict(response.context["filterset"].form.fields["sort"].choices)
    assert "not available while screening is blind" in response.text


@pytest.mark.parametrize("crafted", [query for query in CRAFTED[:-1] if query != {"final": "none"}])
def test_the_same_filters_narrow_the_list_for_an_owner(client, blind, crafted):
    annotating.decide(blind.membership(blind.bob), blind.paper.pk, "exclude")
    logged_in(client, blind.alice)
    url = blind.list_url()

    assert listed(client, url, crafted) != listed(client, url, {})


def test_the_final_decision_filter_matches_final_decisions(client, blind):
    bob = blind.membership(blind.bob)
    for paper in blind.papers:
        annotating.decide(bob, paper.pk, "exclude")
    logged_in(client, blind.alice)

    excluded, _ = listed(client, blind.list_url(), {"final": "exclude"})
    none_yet, _ = listed(client, blind.list_url(), {"final": "none"})

    expected = ReviewPaper.objects.filter(review=blind.review, final_decision="exclude").values_list(
        "paper_id", flat=True
    )
    assert sorted(excluded) == sorted(expected) and excluded
    assert set(none_yet) == {paper.pk for paper in blind.papers} - set(excluded)


def test_a_blinded_reviewers_tag_filter_matches_only_their_own_tags_or_papers_they_decided(client, blind):
    logged_in(client, blind.bob)
    query = {"tags": [str(blind.tag.pk)]}

    assert listed(client, blind.list_url(), query) == ([], 0)
    none_of, count = listed(client, blind.list_url(), {**query, "tag_match": "none"})
    assert count == len(blind.papers)

    annotating.decide(blind.membership(blind.bob), blind.paper.pk, "include")

    assert listed(client, blind.list_url(), query) == ([blind.paper.pk], 1)

    annotating.apply_tag(blind.membership(blind.bob), blind.papers[1].pk, SECRET_TAG)
    ids, count = listed(client, blind.list_url(), query)
    assert sorted(ids) == sorted([blind.paper.pk, blind.papers[1].pk])


def test_an_owners_tag_filter_matches_everyones_tags(client, blind):
    ids, count = listed(logged_in(client, blind.alice), blind.list_url(), {"tags": [str(blind.tag.pk)]})

    assert count == 3


def test_tag_suggestions_do_not_depend_on_who_used_the_tags(client, blind):
    url = reverse("reviews:tag_suggestions", args=[blind.review.slug])
    Tag.objects.create(review=blind.review, name="Carols other")
    before = logged_in(client, blind.bob).get(url, {"name": "car"}).text

    for paper in blind.papers:
        annotating.apply_tag(blind.membership(blind.carol), paper.pk, "Carols other")

    assert logged_in(client, blind.bob).get(url, {"name": "car"}).text == before


def test_a_role_change_mid_screen_is_explained_in_the_panel(client, blind):
    url = reverse("reviews:decide", args=[blind.review.slug, blind.paper.pk])
    Membership.objects.filter(review=blind.review, user=blind.bob).update(role=Role.RESOLVER)

    response = logged_in(client, blind.bob).post(url, {"decision": "include"}, headers=HTMX)

    assert response.status_code == 403
    assert "You are a resolver in this review now, and cannot screen papers." in response.text
    assert 'id="decision-' in response.text

    Membership.objects.filter(review=blind.review, user=blind.bob).update(role=Role.OBSERVER)
    response = client.post(url, {"decision": "include", "next": blind.paper_url()})

    assert response.status_code == 403
    assert "<h1>" in response.text, "without JavaScript, the paper's page with the refusal beside the panel"
    assert "Observers can read this review but not annotate it." in response.text
    assert team_data_shown(response.text) == []
    assert not blind.review.decisions.filter(user=blind.bob).exists()


def test_the_list_with_blind_mode_runs_no_query_per_row(client, blind, django_assert_max_num_queries):
    for number in range(30):
        paper = make_paper(f"2302.{number:05d}")
        blind.review.add_papers([paper.pk])
        annotating.apply_tag(blind.membership(blind.carol), paper.pk, SECRET_TAG)
    logged_in(client, blind.bob)
    client.get(blind.list_url())

    with django_assert_max_num_queries(16):
        client.get(blind.list_url(), {"page": "1"})


def test_blind_mode_adds_no_query_to_the_list(client, blind):
    logged_in(client, blind.bob)
    counts = {}
    for is_blind in (False, True):
        blind.review.blind = is_blind
        blind.review.save()
        with CaptureQueriesContext(connection) as queries:
            client.get(blind.list_url(), {"page": "1", "tags": [str(blind.tag.pk)], "tag_match": "none"})
        counts[is_blind] = len(queries)

    assert counts[True] == counts[False]
