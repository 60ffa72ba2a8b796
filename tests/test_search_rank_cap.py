"""A search matching more papers than the list counts ranks only its newest matches: ranking all of a broad
search's matches reads every matching row (1.3 s for 880,000 of a million papers)."""

import pytest
from django.db import connection
from django.urls import reverse

from papers.models import Paper
from papers.pagination import ListPaginator
from reviews.models import Role
from reviews.views import pages
from tests.factories import logged_in, make_ranked_corpus, make_review, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking exists on PostgreSQL only"),
]


@pytest.fixture
def corpus():
    return make_ranked_corpus(10)


def ranked_page(count_cap: int) -> list[str]:
    paginator = ListPaginator(Paper.objects.search("retrieval"), 3, count_cap=count_cap)
    return [paper.arxiv_id for paper in paginator.page(1).object_list]


def test_under_the_cap_every_match_is_ranked(corpus):
    assert ranked_page(count_cap=100) == ["2301.00001", "2301.00002", "2301.00003"]


def test_past_the_cap_the_newest_matches_are_ranked_best_first(corpus):
    # 10 matches, a cap of 4: the newest 5 (2301.00006 to 10) are ranked, the best of them first.
    paginator = ListPaginator(Paper.objects.search("retrieval"), 3, count_cap=4)
    assert paginator.count_is_capped
    assert ranked_page(count_cap=4) == ["2301.00006", "2301.00007", "2301.00008"]
    assert [paper.arxiv_id for paper in paginator.page(2).object_list] == ["2301.00009", "2301.00010"]


def test_a_list_that_is_not_ranked_pages_as_before(corpus):
    paginator = ListPaginator(Paper.objects.order_by("arxiv_id"), 3, count_cap=4)
    assert [paper.arxiv_id for paper in paginator.page(2).object_list] == ["2301.00004", "2301.00005"]


def test_a_review_search_past_the_cap_ranks_the_reviews_newest_matches(client, corpus, monkeypatch):
    monkeypatch.setattr(pages, "SEARCH_COUNT_CAP", 4)
    user = make_user("bob")
    review = make_review(papers=corpus, members={user: Role.REVIEWER})

    response = logged_in(client, user).get(reverse("reviews:paper_list", args=[review.slug]), {"q": "retrieval"})

    listed = [review_paper.paper.arxiv_id for review_paper in response.context["page"].object_list]
    assert listed == ["2301.00006", "2301.00007", "2301.00008", "2301.00009", "2301.00010"]
    # The list says so: the best match of all may be older than those it ranks.
    assert "the newest 5 ranked best first (add words to rank among fewer)" in response.content.decode()
