"""Crafted paths, ids and query strings: a 404 or a 400 for what cannot exist, a page for the rest; never a 500."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.factories import logged_in, make_paper

HUGE_IDS = [str(10**19), str(10**20 - 1), str(2**63), "9" * 30]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def owner(client, team):
    return logged_in(client, team.alice)


@pytest.mark.parametrize("path", ["2201.11903%00", "2201.11903%00/x", "%00", "%ED%A0%80", "a" * 41, "2201.11903%20"])
def test_a_paper_path_that_cannot_be_an_arxiv_id_is_not_found(owner, team, path):
    assert owner.get(f"/papers/{path}/").status_code == 404
    assert owner.get(f"/reviews/{team.review.slug}/papers/{path}/").status_code == 404


def test_old_style_ids_keep_their_slash_in_both_paper_pages(owner, team):
    paper = make_paper("hep-th/9711200")
    team.review.add_papers([paper.pk])

    assert owner.get("/papers/hep-th/9711200/").status_code == 200
    assert owner.get(f"/reviews/{team.review.slug}/papers/hep-th/9711200/").status_code == 200


@pytest.mark.parametrize("paper_id", HUGE_IDS)
@pytest.mark.parametrize("action", ["tags", "score", "decision", "comments/add"])
def test_a_paper_id_too_large_for_the_database_is_not_found(owner, team, paper_id, action):
    # Django's <int:> took any number of digits, and SQLite raised OverflowError on the lookup.
    response = owner.post(f"/reviews/{team.review.slug}/annotate/{paper_id}/{action}/", {"value": "3"})

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["comments/{id}/edit/", "comments/{id}/delete/", "annotate/1/tags/{id}/remove/"])
@pytest.mark.parametrize("object_id", [*HUGE_IDS, "-1", "+1", "1.0", "%00", "%ED%A0%80"])
def test_other_ids_too_large_or_not_numbers_are_not_found(owner, team, path, object_id):
    response = owner.post(f"/reviews/{team.review.slug}/" + path.format(id=object_id))

    assert response.status_code == 404


def test_the_largest_id_that_fits_the_database_still_resolves(owner, team):
    response = owner.post(f"/reviews/{team.review.slug}/annotate/{'9' * 18}/score/", {"value": "3"})

    # No such paper in the review: the view's own answer, not the resolver's.
    assert response.status_code == 404
    assert "reviews/paper_gone.html" in [template.name for template in response.templates]


def test_urls_for_ids_beyond_the_database_cannot_be_built(team):
    with pytest.raises(NoReverseMatch):
        reverse("reviews:score", args=[team.review.slug, 10**20])


@pytest.mark.parametrize(
    "query",
    [
        "page=" + "1" * 30,
        "page=-1",
        "page=abc",
        "page=1e3",
        "page=" + "9" * 5000,
        "page=1&page=2&page=x",
        "q=a&q=b&q=%ED%A0%80",
        "month_from=9999-99",
        "month_from=0000-00&month_to=2023-13",
        "category=%ED%A0%80",
        "has_title=maybe&has_title=true",
    ],
)
def test_the_corpus_list_answers_crafted_query_strings(owner, query):
    make_paper("2301.00001")

    assert owner.get(f"/papers/?{query}").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "page=" + "1" * 30,
        "page=-1",
        "page=abc",
        "tags=%ED%A0%80",
        "tags=" + "9" * 30,
        "&".join(f"tags={n}" for n in range(900)),
        "tag_match=all&tag_match=none&tags=1&tags=1",
        "status=%ED%A0%80&sort=relevance&sort=nonsense",
        "mean_min=NaN&mean_max=Infinity",
        "mean_min=1.0000000000000000000000001&mean_max=1e400",
        "my_score_min=" + "9" * 30 + "&my_score_max=-1",
        "month_from=9999-99&month_to=1899-12",
    ],
)
def test_the_review_list_answers_crafted_query_strings(owner, team, query):
    url = reverse("reviews:paper_list", args=[team.review.slug])

    assert owner.get(f"{url}?{query}").status_code == 200
    assert owner.get(f"{url}?{query}", headers={"HX-Request": "true"}).status_code == 200


def test_a_page_beyond_the_last_shows_the_last_and_a_page_that_is_not_a_number_the_first(owner):
    make_paper("2301.00001")

    assert owner.get("/papers/", {"page": str(10**30)}).context["page"].number == 1
    assert owner.get("/papers/", {"page": "abc"}).context["page"].number == 1


def test_an_impossible_month_is_a_form_error(owner):
    response = owner.get("/papers/", {"month_from": "9999-99"})

    assert response.status_code == 200
    assert "Enter a month as YYYY-MM" in response.text


def test_a_tags_list_of_ten_thousand_is_refused_before_it_reaches_the_filter(owner, team):
    url = reverse("reviews:paper_list", args=[team.review.slug])

    response = owner.get(url + "?" + "&".join(f"tags={n}" for n in range(10_000)))

    assert response.status_code == 400  # DATA_UPLOAD_MAX_NUMBER_FIELDS


def test_unknown_tags_are_a_form_error_not_a_filter(owner, team):
    url = reverse("reviews:paper_list", args=[team.review.slug])

    response = owner.get(url, {"tags": ["12345", "x"]})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
