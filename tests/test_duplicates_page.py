"""A review's Possible duplicates page: who may open it and act on it, what it shows, htmx and plain POSTs."""

import pytest
from django.urls import reverse

from papers.models import DuplicateCandidate, DuplicateStatus, Paper
from reviews import annotating
from reviews.models import Membership, ReviewPaper, Role, ScreeningDecision
from tests.factories import logged_in, make_review, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(db):
    """A blind review: alice owns, rosa resolves, bob and carol review, olivia observes, eve is outside. Two
    listed pairs: the first has both papers in the review, the second one paper in it and one outside."""

    class World:
        alice, rosa, bob = make_user("alice"), make_user("rosa"), make_user("bob")
        carol, olivia, eve = make_user("carol"), make_user("olivia"), make_user("eve")
        a1 = Paper.objects.create(title="Hair cortisol in nurses <b>on night shifts</b>", doi="10.1/a", year=2020)
        a2 = Paper.objects.create(title="Hair cortisol in nurses on night shifts.", pmid="42", year=2021)
        b1 = Paper.objects.create(title="Emicizumab prophylaxis in haemophilia A: HAVEN", doi="10.1/b", year=2019)
        b2 = Paper.objects.create(title="Emicizumab prophylaxis in hemophilia A: HAVEN", year=2019)
        review = make_review(
            papers=[a1, a2, b1],
            members={
                alice: Role.OWNER, rosa: Role.RESOLVER, bob: Role.REVIEWER, carol: Role.REVIEWER,
                olivia: Role.OBSERVER,
            },
            blind=True,
            required_screeners=2,
        )  # fmt: skip
        first = DuplicateCandidate.objects.create(paper_a=a1, paper_b=a2, score=97.5)
        second = DuplicateCandidate.objects.create(paper_a=b1, paper_b=b2, score=93.1)

    carol = Membership.objects.get(review=World.review, user=World.carol)
    annotating.decide(carol, World.a2.pk, "exclude")
    return World


def page_url(world):
    return reverse("reviews:duplicates", args=[world.review.slug])


def merge_url(world, pair):
    return reverse("reviews:duplicate_merge", args=[world.review.slug, pair.pk])


def reject_url(world, pair):
    return reverse("reviews:duplicate_reject", args=[world.review.slug, pair.pk])


@pytest.mark.parametrize("who", ["alice", "rosa"])
def test_owners_and_resolvers_see_the_pairs_side_by_side(client, world, who):
    html = logged_in(client, getattr(world, who)).get(page_url(world)).content.decode()

    assert "Possible duplicates" in html
    assert html.index(f'id="pair-{world.first.pk}"') < html.index(f'id="pair-{world.second.pk}"')
    for text in ["doi:10.1/a", "PMID:42", "similarity 97.5 of 100", "Hair cortisol in nurses &lt;b&gt;on night"]:
        assert text in html
    assert "not in this review" in html  # b2
    assert html.count(">Merge</button>") == 2


def test_the_nav_offers_the_page_to_owners_and_resolvers_only(client, world):
    link = f'href="{page_url(world)}"'
    review_url = reverse("reviews:paper_list", args=[world.review.slug])
    assert link in logged_in(client, world.alice).get(review_url).content.decode()
    assert link not in logged_in(client, world.bob).get(review_url).content.decode()


@pytest.mark.parametrize("who, status", [("bob", 403), ("olivia", 403), ("eve", 404)])
def test_reviewers_observers_and_outsiders_are_turned_away(client, world, who, status):
    """A blinded reviewer must not learn through this page that a paper was decided and merged: no access."""
    logged_in(client, getattr(world, who))
    assert client.get(page_url(world)).status_code == status
    assert client.post(merge_url(world, world.first)).status_code == status
    assert client.post(reject_url(world, world.first), headers=HTMX).status_code == status
    assert Paper.objects.count() == 4
    assert DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN).count() == 2


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(page_url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_merge_as_a_plain_post_redirects_with_a_message(client, world):
    response = logged_in(client, world.alice).post(merge_url(world, world.first), {"page": "1"}, follow=True)

    assert response.redirect_chain[-1][0] == page_url(world)
    html = response.content.decode()
    assert "Merged PMID:42 into doi:10.1/a" in html
    assert not Paper.objects.filter(pk=world.a2.pk).exists()
    assert ScreeningDecision.objects.get().paper_id == world.a1.pk
    assert ReviewPaper.objects.filter(review=world.review).count() == 2
    assert f'id="pair-{world.first.pk}"' not in html


def test_merge_by_htmx_swaps_the_card_for_its_outcome(client, world):
    response = logged_in(client, world.rosa).post(merge_url(world, world.first), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="pair-{world.first.pk}"' in html and "Merged PMID:42 into doi:10.1/a" in html
    assert reverse("reviews:paper", args=[world.review.slug, world.a1.key]) in html


def test_not_duplicates_by_htmx_marks_the_pair_and_it_leaves_the_list(client, world):
    logged_in(client, world.alice)
    response = client.post(reject_url(world, world.second), headers=HTMX)

    assert response.status_code == 200 and "will not be proposed again" in response.content.decode()
    world.second.refresh_from_db()
    assert world.second.status == DuplicateStatus.REJECTED and world.second.decided_by == world.alice
    assert f'id="pair-{world.second.pk}"' not in client.get(page_url(world)).content.decode()


def test_a_refused_merge_says_why_and_writes_nothing(client, world):
    logged_in(client, world.alice)
    DuplicateCandidate.objects.filter(pk=world.first.pk).update(status=DuplicateStatus.REJECTED)

    response = client.post(merge_url(world, world.first), headers=HTMX)
    assert response.status_code == 404 and "not among this review" in response.content.decode()
    response = client.post(merge_url(world, world.first), follow=True)
    assert "not among this review" in response.content.decode()
    assert Paper.objects.count() == 4


def test_a_crafted_pair_from_outside_the_review_is_refused(client, world):
    x = Paper.objects.create(title="Cortisol awakening response in shift workers", year=2020)
    y = Paper.objects.create(title="Cortisol awakening response in shift-workers", year=2020)
    crafted = DuplicateCandidate.objects.create(paper_a=x, paper_b=y, score=99)
    response = logged_in(client, world.alice).post(merge_url(world, crafted), headers=HTMX)
    assert response.status_code == 404
    assert Paper.objects.filter(pk__in=[x.pk, y.pk]).count() == 2
    assert client.post(reverse("reviews:duplicate_merge", args=[world.review.slug, 10**17])).status_code == 302


def test_a_pair_also_in_a_review_alice_does_not_run_has_no_buttons(client, world):
    olga = make_user("olga")
    make_review("olgas-review", papers=[world.b2], members={olga: Role.OWNER})
    html = logged_in(client, world.alice).get(page_url(world)).content.decode()
    assert html.count(">Merge</button>") == 1
    assert "a curator decides this pair" in html
    response = client.post(merge_url(world, world.second), headers=HTMX)
    assert response.status_code == 403 and Paper.objects.filter(pk=world.b2.pk).exists()


def test_the_list_is_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(10):
        a = Paper.objects.create(title=f"A study of cortisol number {n} in hair samples", year=2020)
        b = Paper.objects.create(title=f"A study of cortisol number {n} in hair sample", year=2020)
        world.review.add_papers([a.pk, b.pk])
        DuplicateCandidate.objects.create(paper_a=a, paper_b=b, score=98)
    logged_in(client, world.alice)
    with django_assert_max_num_queries(10):
        response = client.get(page_url(world))
    assert response.content.decode().count('class="conflict-card duplicate-pair"') == 12


def test_the_htmx_page_request_gets_the_results_fragment(client, world):
    response = logged_in(client, world.alice).get(page_url(world), headers=HTMX)
    html = response.content.decode()
    assert '<section id="results"' in html and "<html" not in html


def test_an_empty_review_says_so(client, world):
    DuplicateCandidate.objects.all().delete()
    html = logged_in(client, world.alice).get(page_url(world)).content.decode()
    assert "No possible duplicates in this review." in html
