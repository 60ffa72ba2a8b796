"""A relevance search in a review reads its page from the corpus's best matches when it can, and must
show exactly what ranking the whole review would."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.pagination import ListPaginator
from reviews.models import ReviewPaper, Role
from tests.factories import logged_in, make_ranked_corpus, make_review, make_user

# The shortlist of page 1 is the corpus's best 4 × 25 matches.
SHORTLIST = re.compile(r"LIMIT 100\b")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking exists on PostgreSQL only"),
]


@pytest.fixture
def corpus():
    return make_ranked_corpus(60)


def listed(response):
    return [rp.paper.arxiv_id for rp in response.context["page"].object_list]


def expected(review, page):
    ranked = ReviewPaper.objects.filter(review=review).search("retrieval")
    return [rp.paper.arxiv_id for rp in ranked.select_related("paper")[(page - 1) * 25 : page * 25]]


def search(client, review, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reviews:paper_list", args=[review.slug]), {"q": "retrieval", **params})
    return response, queries


def test_a_review_holding_the_best_matches_reads_its_page_from_the_shortlist(client, corpus):
    user = make_user("bob")
    review = make_review(papers=corpus, members={user: Role.REVIEWER})

    response, queries = search(logged_in(client, user), review)

    assert listed(response) == expected(review, 1)
    assert listed(response)[0] == "2301.00001"
    assert sum(bool(SHORTLIST.search(query["sql"])) for query in queries.captured_queries) == 1


def test_a_review_of_weaker_matches_falls_back_to_ranking_the_whole_review(client, corpus, monkeypatch):
    monkeypatch.setattr(ListPaginator, "SHORTLIST_PAGES", 1)
    user = make_user("bob")
    review = make_review(papers=corpus[30:], members={user: Role.REVIEWER})

    first, _ = search(logged_in(client, user), review)
    second, _ = search(client, review, page=2)

    assert listed(first) == expected(review, 1)
    assert listed(first)[0] == "2301.00031"
    assert listed(second) == expected(review, 2)


def test_other_filters_skip_the_shortlist(client, corpus):
    user = make_user("bob")
    review = make_review(papers=corpus, members={user: Role.REVIEWER})

    response, queries = search(logged_in(client, user), review, status="undecided")

    assert listed(response) == expected(review, 1)
    assert not any(SHORTLIST.search(query["sql"]) for query in queries.captured_queries)
