"""Comments in a blind review that hides them too (``hide_comments_while_blind``): until a reviewer or observer
has decided on a paper, they read only their own comments on it, from every page, fragment, count, filter, sort
and timeline; owners and resolvers read everything; with the setting off, comments show to everyone."""

import pytest
from django.urls import reverse

from reviews import annotating
from reviews.models import Change, Review
from tests.factories import logged_in, make_paper
from tests.test_blind_reads import HTMX, Blind

SECRET = "Carols secret comment"
MINE = "Bobs own note"
HIDDEN_NOTE = "Others' comments are hidden until you decide (blind screening)"


class HiddenComments(Blind):
    """Blind (see tests/test_blind_reads.py) with others' comments hidden; carol commented on the first paper, bob
    (who has decided nothing) on the second, and carol's comment on the second is the only one there besides."""

    def __init__(self, hide=True):
        super().__init__()
        Review.objects.filter(pk=self.review.pk).update(hide_comments_while_blind=hide)
        carol, bob = self.membership(self.carol), self.membership(self.bob)
        annotating.add_comment(carol, self.paper.pk, SECRET)
        self.second = self.papers[1]
        annotating.add_comment(bob, self.second.pk, MINE)
        annotating.add_comment(carol, self.second.pk, SECRET + " two")

    def thread_url(self, paper=None):
        return reverse("reviews:comments", args=[self.review.slug, (paper or self.paper).pk])

    def history_url(self, paper=None):
        return reverse("reviews:paper_history", args=[self.review.slug, (paper or self.paper).pk])


@pytest.fixture
def hidden(db):
    return HiddenComments()


def readable_to_bob(client, hidden, url, query=None, headers=None):
    logged_in(client, hidden.bob)
    response = client.get(url, query or {}, headers=headers or {})
    assert response.status_code == 200
    return response.text


def test_the_list_page_and_results_fragment_hide_others_comments_and_their_count(client, hidden):
    for headers in ({}, HTMX):
        html = readable_to_bob(client, hidden, hidden.list_url(), {"q": ""}, headers)
        assert SECRET not in html
        assert f'id="comment-count-{hidden.paper.pk}">others\' hidden' in html
        assert f'id="comment-count-{hidden.paper.pk}">2<' not in html, "carol's two comments are not counted"


def test_the_paper_page_shows_only_my_comments_and_says_why(client, hidden):
    html = readable_to_bob(client, hidden, hidden.paper_url(hidden.second))
    assert MINE in html
    assert SECRET not in html
    assert HIDDEN_NOTE in html
    assert "others' hidden" in html


def test_the_comments_fragment_shows_only_my_comments(client, hidden):
    html = readable_to_bob(client, hidden, hidden.thread_url(hidden.second), headers=HTMX)
    assert MINE in html
    assert SECRET not in html
    assert "No comments of mine yet" in readable_to_bob(client, hidden, hidden.thread_url(), headers=HTMX)


def test_an_observer_is_blind_to_comments_too_and_owners_and_resolvers_see_them(client, hidden):
    logged_in(client, hidden.olivia)
    assert SECRET not in client.get(hidden.paper_url()).text
    for user in (hidden.alice, hidden.rosa):
        logged_in(client, user)
        html = client.get(hidden.paper_url()).text
        assert SECRET in html
        assert "Others' comments are hidden" not in html


CRAFTED = [{"has_comments": "true"}, {"has_comments": "false"}, {"sort": "discussed"}]


@pytest.mark.parametrize("crafted", CRAFTED)
def test_crafted_comment_filters_and_sorts_are_dropped(client, hidden, crafted):
    logged_in(client, hidden.bob)
    plain = client.get(hidden.list_url(), {"q": ""})
    response = client.get(hidden.list_url(), {"q": "", **crafted})
    rows = [row.paper_id for row in response.context["page"].object_list]
    assert rows == [row.paper_id for row in plain.context["page"].object_list]
    assert "has_comments" not in response.context["filterset"].form.fields
    assert "discussed" not in dict(response.context["filterset"].form.fields["sort"].choices)
    assert "final decision and comments are not available" in response.text


def test_the_owner_still_filters_and_sorts_by_comments(client, hidden):
    logged_in(client, hidden.alice)
    response = client.get(hidden.list_url(), {"has_comments": "true"})
    assert {row.paper_id for row in response.context["page"].object_list} == {hidden.paper.pk, hidden.second.pk}
    assert "discussed" in dict(response.context["filterset"].form.fields["sort"].choices)


def test_the_timeline_hides_others_comment_changes_until_i_decide(client, hidden):
    html = readable_to_bob(client, hidden, hidden.history_url(hidden.second))
    assert MINE in html
    assert SECRET not in html
    annotating.decide(hidden.membership(hidden.bob), hidden.second.pk, "include")
    assert SECRET in client.get(hidden.history_url(hidden.second)).text


def test_deciding_reveals_the_thread_and_its_count_out_of_band(client, hidden):
    logged_in(client, hidden.bob)
    url = reverse("reviews:decide", args=[hidden.review.slug, hidden.paper.pk])
    html = client.post(url, {"decision": "include"}, headers=HTMX).text
    assert SECRET in html
    assert f'id="comments-{hidden.paper.pk}"' in html and 'hx-swap-oob="true"' in html
    assert f'<span id="comment-count-{hidden.paper.pk}" hx-swap-oob="true">2</span>' in html
    assert SECRET in client.get(hidden.paper_url()).text


def test_a_decided_paper_shows_everyones_comments(client, hidden):
    annotating.decide(hidden.membership(hidden.bob), hidden.paper.pk, "exclude")
    html = readable_to_bob(client, hidden, hidden.thread_url(), headers=HTMX)
    assert SECRET in html
    assert HIDDEN_NOTE not in html


def test_with_the_setting_off_comments_stay_visible(client, db):
    shown = HiddenComments(hide=False)
    logged_in(client, shown.bob)
    assert SECRET in client.get(shown.paper_url()).text
    assert SECRET in client.get(shown.thread_url(), headers=HTMX).text
    assert SECRET in client.get(shown.history_url()).text
    response = client.get(shown.list_url(), {"has_comments": "true"})
    assert {row.paper_id for row in response.context["page"].object_list} == {shown.paper.pk, shown.second.pk}
    assert f'id="comment-count-{shown.paper.pk}">2<' in response.text


def test_the_setting_is_saved_from_the_screening_settings_with_history(client, hidden):
    Review.objects.filter(pk=hidden.review.pk).update(hide_comments_while_blind=False)
    logged_in(client, hidden.alice)
    url = reverse("reviews:settings_screening", args=[hidden.review.slug])
    form = {"blind": "on", "hide_comments_while_blind": "on", "required_screeners": "2", "conflict_rule": "strict"}
    assert client.post(url, form).status_code == 302
    hidden.review.refresh_from_db()
    assert hidden.review.hide_comments_while_blind
    change = Change.objects.get(review=hidden.review, subject="hide_comments_while_blind")
    assert (change.before, change.after) == ({"value": False}, {"value": True})


def test_a_new_paper_comment_by_someone_else_is_not_counted_in_my_row(client, hidden):
    extra = make_paper("2301.09999", title="Fresh")
    hidden.review.add_papers([extra.pk])
    annotating.add_comment(hidden.membership(hidden.carol), extra.pk, SECRET + " three")
    html = readable_to_bob(client, hidden, hidden.list_url(), {"q": "Fresh"}, HTMX)
    assert f'id="comment-count-{extra.pk}">others\' hidden' in html
