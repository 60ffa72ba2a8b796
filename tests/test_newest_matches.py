"""A broad phrase search's newest matches are found by walking the papers newest first when the column's statistics
say that reads fewer rows (papers/newest_matches.py), and the page is exactly the page the GIN index gives."""

import pytest
from django.db import connection
from django.urls import reverse

from papers import views
from papers.filters import PaperFilter
from papers.models import Paper
from papers.newest_matches import WALK_IS_CHEAPER_SQL, WalkableSearch
from papers.pagination import ListPaginator
from papers.search import SEARCH_CONFIG, parse_search_terms
from reviews.models import Role
from reviews.views import pages
from tests.factories import logged_in, make_paper, make_review, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking and statistics exist on PostgreSQL only"),
]


@pytest.fixture
def corpus():
    """60 papers over 12 months: a phrase in half of them (its words apart in a quarter more), a hyphenated word in
    a third, a rarer word in six."""
    papers = []
    for n in range(60):
        words = ["filler"] * (n % 7 + 1)
        if n % 2 == 0:
            words += ["chain of thought"] * (n % 5 + 1)
        elif n % 4 == 1:
            words += ["a thought about the chain"]
        if n % 3 == 0:
            words += ["in-context learning"]
        if n % 10 == 7:
            words += ["interplay"]
        papers.append(make_paper(f"23{n % 12 + 1:02d}.{n:05d}", title=f"Paper {n}", abstract=" ".join(words)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper")
    return papers


def walk_is_cheaper(terms: list[str], limit: int, review_id: int | None = None) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {WALK_IS_CHEAPER_SQL}", [terms, SEARCH_CONFIG, review_id, review_id, limit])
        return cursor.fetchone()[0]


def test_the_estimate_walks_for_common_phrases_and_not_for_rare_words(corpus):
    assert walk_is_cheaper(["chain of thought"], 5)
    assert walk_is_cheaper(["in-context"], 5)
    assert not walk_is_cheaper(["interplay"], 5), "a word in six papers of 60"
    assert not walk_is_cheaper(["chain of thought", "interplay"], 5), "the rare word makes the search rare"
    assert not walk_is_cheaper(["chain of thought"], 1000), "the newest 1,000 are all the matches: fetch them"
    assert not walk_is_cheaper(["zebra"], 5), "a word the statistics do not list"


@pytest.mark.parametrize("text", ['"chain of thought"', "in-context", "interplay", "chain thought"])
def test_past_the_cap_the_page_is_the_one_the_index_gives(corpus, text):
    matches = Paper.objects.search(text)
    walkable = WalkableSearch(parse_search_terms(text)[0])
    for number in (1, 2):
        walked = ListPaginator(matches, 3, count_cap=4, walkable=walkable).page(number)
        indexed = ListPaginator(matches, 3, count_cap=4).page(number)
        assert [paper.pk for paper in walked.object_list] == [paper.pk for paper in indexed.object_list]
        assert walked.paginator.ranks_newest_only
    newest = matches.order_by("-submitted_month", "-arxiv_id", "-id").values_list("pk", flat=True)[:5]
    listed = ListPaginator(matches, 5, count_cap=4, walkable=walkable).page(1).object_list
    assert {paper.pk for paper in listed} == set(newest)


def test_the_paper_list_walks_only_for_a_search_alone(client, corpus, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 4)
    logged_in(client, make_user("reader"))

    alone = client.get(reverse("papers:list"), {"q": '"chain of thought"'})
    with_month = client.get(reverse("papers:list"), {"q": '"chain of thought"', "month_from": "2023-06"})

    assert alone.context["page"].paginator.walkable == WalkableSearch(["chain of thought"])
    assert with_month.context["page"].paginator.walkable is None
    months = {paper.submitted_month for paper in with_month.context["page"].object_list}
    assert months and min(months).isoformat() >= "2023-06"
    assert "the newest 5 ranked best first" in alone.content.decode()


def test_a_search_alone_names_its_wanted_terms():
    assert PaperFilter({"q": '"chain of thought" -survey rl'}).walkable_search().terms == ["chain of thought", "rl"]
    assert PaperFilter({"q": "rl", "category": ""}).walkable_search(7) == WalkableSearch(["rl"], 7)
    assert PaperFilter({"q": "rl", "month_from": "2023-01"}).walkable_search() is None
    assert PaperFilter({}).walkable_search() is None


def analyze_reviews():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reviews_reviewpaper")


def test_a_review_walks_only_if_it_holds_enough_of_the_corpus(corpus):
    whole = make_review("whole", papers=corpus)
    few = make_review("few", papers=corpus[:3])
    analyze_reviews()

    assert walk_is_cheaper(["chain of thought"], 5, whole.pk)
    assert not walk_is_cheaper(["chain of thought"], 5, few.pk)
    assert not walk_is_cheaper(["chain of thought"], 5, 10**9), "a review the statistics do not know"


@pytest.mark.parametrize("text", ['"chain of thought"', "in-context", "interplay"])
def test_a_review_lists_past_the_cap_the_page_the_index_gives(client, corpus, monkeypatch, text):
    monkeypatch.setattr(pages, "SEARCH_COUNT_CAP", 4)
    user = make_user("bob")
    review = make_review(papers=corpus[5:], members={user: Role.REVIEWER})
    make_review("other", papers=corpus[:5])
    analyze_reviews()
    logged_in(client, user)
    url = reverse("reviews:paper_list", args=[review.slug])

    walked = client.get(url, {"q": text})
    indexed = client.get(url, {"q": text, "tag_match": "any", "has_comments": "false"})

    assert walked.context["page"].paginator.walkable == WalkableSearch(parse_search_terms(text)[0], review.pk)
    assert indexed.context["page"].paginator.walkable is None
    listed = [row.paper_id for row in walked.context["page"].object_list]
    assert listed == [row.paper_id for row in indexed.context["page"].object_list]
    newest = review.review_papers.filter(paper__in=Paper.objects.search(text)).order_by(
        "-paper__submitted_month", "-paper__arxiv_id", "-paper_id"
    )
    assert set(listed) == set(newest.values_list("paper_id", flat=True)[:5])
