"""Screening mode: one paper at a time, the next that needs my decision, progress, undo."""

import pytest
from django.urls import reverse

from reviews import annotating, screening
from reviews.models import Assignment, ExclusionReason, Resolution, ReviewPaper, ScreeningDecision
from tests.dual_review import dual, member  # noqa: F401 - a fixture
from tests.factories import logged_in, make_user

HTMX = {"HX-Request": "true"}


def test_the_next_paper_is_the_newest_not_decided_by_me_and_short_of_decisions(dual):  # noqa: F811
    bob, carol, alice = (member(dual.review, u) for u in (dual.bob, dual.carol, dual.alice))
    assert screening.next_for(bob) == dual.p4.pk
    annotating.decide(bob, dual.p4.pk, "include")
    assert screening.next_for(bob) == dual.p3.pk
    # p3 has enough decisions from others: it no longer needs bob.
    annotating.decide(carol, dual.p3.pk, "include")
    annotating.decide(alice, dual.p3.pk, "exclude")
    assert screening.next_for(bob) == dual.p2.pk
    assert screening.progress_of(bob) == screening.Progress(done=1, left=2, assigned=False)


def test_with_assignments_only_my_papers_are_offered(dual):  # noqa: F811
    bob = member(dual.review, dual.bob)
    Assignment.objects.create(review=dual.review, paper=dual.p2, user=dual.bob)
    Assignment.objects.create(review=dual.review, paper=dual.p4, user=dual.carol)
    assert screening.next_for(bob) == dual.p2.pk
    annotating.decide(bob, dual.p2.pk, "maybe")
    assert screening.next_for(bob) is None
    assert screening.progress_of(bob) == screening.Progress(done=1, left=0, assigned=True)


def test_the_screen_page_shows_the_next_paper_and_my_progress(client, dual):  # noqa: F811
    response = logged_in(client, dual.bob).get(reverse("reviews:screen", args=["dual"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Paper 4" in html and "Paper 3" not in html
    assert "0 of 4 screened by you" in html and "<progress" in html


def test_deciding_in_screening_mode_moves_on_without_js(client, dual):  # noqa: F811
    url = reverse("reviews:decide", args=["dual", dual.p4.pk])
    screen = reverse("reviews:screen", args=["dual"])
    response = logged_in(client, dual.bob).post(url, {"decision": "include", "next": f"{screen}#paper-{dual.p4.pk}"})
    assert response.status_code == 302 and response.url == f"{screen}?after={dual.p4.pk}"
    page = client.get(response.url).content.decode()
    assert "Paper 3" in page and "1 of 4 screened by you" in page


def test_deciding_in_screening_mode_with_htmx_returns_the_next_paper(client, dual):  # noqa: F811
    url = reverse("reviews:decide", args=["dual", dual.p4.pk])
    screen = reverse("reviews:screen", args=["dual"])
    response = logged_in(client, dual.bob).post(url, {"decision": "include", "next": screen}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#screen"
    html = response.content.decode()
    assert 'id="screen"' in html and "Paper 3" in html and "<html" not in html
    assert ScreeningDecision.objects.get(user=dual.bob, paper=dual.p4).decision == "include"


def test_an_exclusion_waits_on_the_same_paper_for_its_reason(client, dual):  # noqa: F811
    reason = ExclusionReason.objects.create(review=dual.review, label="Off topic", position=1)
    url = reverse("reviews:decide", args=["dual", dual.p4.pk])
    screen = reverse("reviews:screen", args=["dual"])
    response = logged_in(client, dual.bob).post(url, {"decision": "exclude", "next": screen}, headers=HTMX)
    assert "Paper 4" in response.content.decode() and "Why exclude?" in response.content.decode()
    response = client.post(url, {"decision": "exclude", "reason": reason.pk, "next": screen}, headers=HTMX)
    assert "Paper 3" in response.content.decode()
    assert ScreeningDecision.objects.get(user=dual.bob, paper=dual.p4).reason == reason


def test_undo_takes_back_my_last_decision_and_shows_that_paper(client, dual):  # noqa: F811
    bob = member(dual.review, dual.bob)
    annotating.decide(bob, dual.p4.pk, "include")
    annotating.decide(bob, dual.p3.pk, "exclude")
    undo = reverse("reviews:screen_undo", args=["dual"])
    response = logged_in(client, dual.bob).post(undo)
    assert response.status_code == 302 and response.url.endswith(f"?paper={dual.p3.pk}")
    assert not ScreeningDecision.objects.filter(user=dual.bob, paper=dual.p3).exists()
    assert "Paper 3" in client.get(response.url).content.decode()
    response = client.post(undo, headers=HTMX)
    assert "Paper 4" in response.content.decode() and "undone" in response.content.decode()
    assert not ScreeningDecision.objects.filter(user=dual.bob).exists()
    response = client.post(undo, headers=HTMX)
    assert "no decision of yours to undo" in response.content.decode()


def test_when_nothing_is_left_the_page_says_so(client, dual):  # noqa: F811
    bob = member(dual.review, dual.bob)
    for paper in dual.papers:
        annotating.decide(bob, paper.pk, "include")
    html = logged_in(client, dual.bob).get(reverse("reviews:screen", args=["dual"])).content.decode()
    assert "Nothing left for you to screen" in html and "4 of 4 screened by you" in html


@pytest.mark.parametrize("who", ["rosa", "olivia"])
def test_members_who_do_not_screen_are_told_so(client, dual, who):  # noqa: F811
    client = logged_in(client, getattr(dual, who))
    response = client.get(reverse("reviews:screen", args=["dual"]))
    assert response.status_code == 403 and "you do not screen papers" in response.content.decode()
    assert client.post(reverse("reviews:screen_undo", args=["dual"])).status_code == 302


def test_outsiders_get_404(client, dual):  # noqa: F811
    client = logged_in(client, make_user("eve"))
    assert client.get(reverse("reviews:screen", args=["dual"])).status_code == 404
    assert client.post(reverse("reviews:screen_undo", args=["dual"])).status_code == 404


def test_a_crafted_paper_parameter_shows_the_next_paper(client, dual):  # noqa: F811
    client = logged_in(client, dual.bob)
    for name in ["paper", "after"]:
        for value in ["abc", "-1", str(2**64), "0", "99999"]:
            response = client.get(reverse("reviews:screen", args=["dual"]), {name: value})
            assert response.status_code == 200 and "Paper 4" in response.content.decode()


def test_after_a_decision_the_search_goes_on_from_it_and_wraps_to_the_top(dual):  # noqa: F811
    bob = member(dual.review, dual.bob)
    annotating.decide(bob, dual.p3.pk, "include")
    assert screening.next_for(bob, after=dual.p3.pk) == dual.p2.pk
    annotating.decide(bob, dual.p2.pk, "include")
    annotating.decide(bob, dual.p1.pk, "include")
    # Nothing after p1: the search starts again from the top, where p4 still needs bob.
    assert screening.next_for(bob, after=dual.p1.pk) == dual.p4.pk


def test_a_changed_vote_on_a_resolved_paper_says_it_reopened_the_conflict(client, dual):  # noqa: F811
    bob, carol, rosa = (member(dual.review, u) for u in (dual.bob, dual.carol, dual.rosa))
    annotating.decide(bob, dual.p4.pk, "include")
    annotating.decide(carol, dual.p4.pk, "exclude")
    annotating.resolve(rosa, dual.p4.pk, "exclude")
    url = reverse("reviews:decide", args=["dual", dual.p4.pk])
    response = logged_in(client, dual.bob).post(url, {"decision": "maybe"}, headers=HTMX)
    html = response.content.decode()
    assert 'role="status"' in html
    assert "Your change reopened the conflict rosa resolved as exclude; it goes back to the resolvers." in html
    assert Resolution.objects.get(paper=dual.p4).reopened_at is not None


def test_a_changed_vote_that_makes_the_votes_agree_says_the_agreement_is_final(client, dual):  # noqa: F811
    bob, carol, rosa = (member(dual.review, u) for u in (dual.bob, dual.carol, dual.rosa))
    annotating.decide(bob, dual.p4.pk, "include")
    annotating.decide(carol, dual.p4.pk, "exclude")
    annotating.resolve(rosa, dual.p4.pk, "include")
    url = reverse("reviews:decide", args=["dual", dual.p4.pk])

    html = logged_in(client, dual.bob).post(url, {"decision": "exclude"}, headers=HTMX).content.decode()

    assert "set aside the final decision rosa made (include): the votes now agree" in html
    assert ReviewPaper.objects.get(review=dual.review, paper=dual.p4).final_decision == "exclude"


def test_the_screen_page_takes_a_fixed_number_of_queries(client, dual, django_assert_max_num_queries):  # noqa: F811
    client = logged_in(client, dual.bob)
    client.get(reverse("reviews:screen", args=["dual"]))
    with django_assert_max_num_queries(16):
        client.get(reverse("reviews:screen", args=["dual"]))


def test_reopening_from_screening_mode_says_so_once_above_the_next_paper(client, dual):  # noqa: F811
    bob, carol, rosa = (member(dual.review, u) for u in (dual.bob, dual.carol, dual.rosa))
    annotating.decide(bob, dual.p4.pk, "include")
    annotating.decide(carol, dual.p4.pk, "exclude")
    annotating.resolve(rosa, dual.p4.pk, "include")
    url = reverse("reviews:decide", args=["dual", dual.p4.pk])
    screen = reverse("reviews:screen", args=["dual"])
    response = logged_in(client, dual.bob).post(url, {"decision": "maybe", "next": screen}, headers=HTMX)
    html = response.content.decode()
    assert html.count("Your change reopened the conflict rosa resolved as include") == 1
    assert "Paper 3" in html
    response = client.post(url, {"decision": "exclude", "next": screen}, follow=True)
    assert "Paper 3" in response.content.decode()
