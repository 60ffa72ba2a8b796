"""A review's list counts its papers up to a cap: an exact count of a million-paper review's unscreened papers
took seconds."""

import pytest
from django.urls import reverse

from reviews.models import Role
from reviews.views import pages
from tests.factories import logged_in, make_paper, make_review, make_user

pytestmark = pytest.mark.django_db


def test_a_review_list_longer_than_the_cap_says_more_than_and_pages_through_the_first(client, monkeypatch):
    monkeypatch.setattr(pages, "LIST_COUNT_CAP", 3)
    user = make_user("bob")
    review = make_review(papers=[make_paper(f"2301.{n:05d}") for n in range(1, 61)], members={user: Role.REVIEWER})
    url = reverse("reviews:paper_list", args=[review.slug])

    first = logged_in(client, user).get(url, {"page": "1"})

    assert "More than 3 papers" in first.content.decode()
    assert [rp.paper.arxiv_id for rp in first.context["page"].object_list][:2] == ["2301.00060", "2301.00059"]
    assert first.context["page"].paginator.num_pages == 1  # 25 a page: the 4 rows the capped count promises


def test_a_review_list_under_the_cap_counts_exactly(client, monkeypatch):
    monkeypatch.setattr(pages, "LIST_COUNT_CAP", 100)
    user = make_user("bob")
    review = make_review(papers=[make_paper() for _ in range(7)], members={user: Role.REVIEWER})

    response = logged_in(client, user).get(reverse("reviews:paper_list", args=[review.slug]), {"page": "1"})

    assert "7 papers" in response.content.decode()
    assert not response.context["page"].paginator.count_is_capped


def test_the_last_page_of_a_capped_list_says_how_to_reach_the_rest_in_words_that_fit_it(client, monkeypatch):
    monkeypatch.setattr(pages, "LIST_COUNT_CAP", 2)
    monkeypatch.setattr(pages, "PAPERS_PER_PAGE", 2)
    user = make_user("carol")
    review = make_review("capped", papers=[make_paper() for _ in range(5)], members={user: Role.REVIEWER})
    url = reverse("reviews:paper_list", args=[review.slug])

    last = logged_in(client, user).get(url, {"page": 2}).content.decode()

    assert "More than 2 papers" in last
    assert "Only the first 2 papers are listed: filter the list to reach the others, or go on in screening mode" in last
    assert "add words" not in last
