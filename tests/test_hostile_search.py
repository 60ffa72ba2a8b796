"""Search text PostgreSQL cannot parse, in the corpus list, a review's list and the admin: never a 500.

Every test runs on the database the suite runs on; CI runs both SQLite and PostgreSQL.
"""

from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from papers.models import Paper
from papers.search import parse_search_terms
from reviews.models import ReviewPaper
from tests.factories import logged_in, make_paper

# PostgreSQL's websearch_to_tsquery fails on some of these ("tsquery stack too small"), its driver on others.
HOSTILE_SEARCHES = [
    "-" * 50,
    "a " + "-" * 1000,
    "!-!" * 100,
    "!!!",
    "&|",
    ":*",
    "'",
    "\\\\",
    '"',
    '"-----------------------------------------',
    '-"',
    "a\x00b",
    "\ud800 lone surrogate",
    "<-> (a | b) & !c",
    "x" * 10_000,
    "instruction\x02tuning\x03",
]
# As a browser sends them; %ED%A0%80 is a lone surrogate in UTF-8, which Django decodes to U+FFFD.
HOSTILE_QUERY_STRINGS = [
    "-" * 50,
    "!!!",
    "&|",
    ":*",
    "'",
    "\\\\",
    '"',
    "x" * 10_000,
    "%ED%A0%80",
    "a" + "%00" + "b",
]


def as_query_string(text: str) -> str:
    return text if "%" in text else quote(text)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw")


@pytest.mark.parametrize("text", HOSTILE_SEARCHES)
def test_any_text_is_a_valid_search_of_the_corpus_and_of_a_review(team, text):
    papers = list(Paper.objects.search(text))
    review_papers = list(ReviewPaper.objects.filter(review=team.review).search(text))

    assert all(isinstance(paper, Paper) for paper in papers)
    assert len(review_papers) <= 2


@pytest.mark.parametrize("text", ["---", "!!!", "&|", ":*", '"', "- -", "or"])
def test_a_search_without_a_word_matches_nothing_on_either_database(db, text):
    make_paper("2201.00001", abstract='Dashes --- and bangs !!! and pipes &| and stars :* and quotes ".')

    assert list(Paper.objects.search(text)) == []


def test_search_terms_lose_control_characters_surrogates_and_stray_quotes():
    assert parse_search_terms('chain\x00of "thought\x02 steps" -vi"sion \ud800 --- or') == (
        ["chain", "of", "thought steps"],
        ["vi sion"],
    )


@pytest.mark.parametrize("text", ["model*", "(model)", "model,", "models!", '"models."'])
def test_punctuation_around_a_word_is_left_out_on_either_database(db, text):
    wanted = make_paper("2201.00001", abstract="Models of language, trained at scale.")
    make_paper("2201.00002", abstract="Galaxies and their dark matter halos.")

    assert list(Paper.objects.search(text)) == [wanted]


@pytest.mark.parametrize("text", HOSTILE_QUERY_STRINGS)
def test_the_corpus_list_answers_hostile_search_text(client, team, text):
    logged_in(client, team.alice)

    response = client.get(f"{reverse('papers:list')}?q={as_query_string(text)}")

    assert response.status_code == (400 if "%00" in text else 200)


@pytest.mark.parametrize("text", HOSTILE_QUERY_STRINGS)
def test_the_review_list_answers_hostile_search_text(client, team, text):
    logged_in(client, team.bob)
    url = reverse("reviews:paper_list", args=[team.review.slug])

    plain = client.get(f"{url}?q={as_query_string(text)}")
    ranked = client.get(f"{url}?q={as_query_string(text)}&sort=relevance", headers={"HX-Request": "true"})

    assert plain.status_code == ranked.status_code == (400 if "%00" in text else 200)


@pytest.mark.parametrize("text", HOSTILE_QUERY_STRINGS)
def test_the_admin_paper_search_answers_hostile_search_text(client, team, superuser, text):
    logged_in(client, superuser)

    response = client.get(f"{reverse('admin:papers_paper_changelist')}?q={as_query_string(text)}")

    assert response.status_code == (400 if "%00" in text else 200)


def test_a_search_too_long_for_the_form_is_named_in_the_results_fragment(client, team):
    logged_in(client, team.alice)

    response = client.get(reverse("papers:list"), {"q": "x" * 10_000}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Search not applied: Ensure this value has at most 300 characters" in response.text


def test_a_nul_in_any_query_string_is_a_bad_request_not_a_database_error(client, team, superuser):
    # The admin's own search boxes and list filters query the database with whatever they are given.
    logged_in(client, superuser)

    assert client.get(reverse("admin:reviews_review_changelist"), {"q": "a\x00b"}).status_code == 400
    assert client.get(reverse("admin:papers_paper_changelist"), {"primary_category": "\x00"}).status_code == 400
    assert client.post(reverse("admin:papers_paper_changelist"), {"q": "\x00"}).status_code == 400


# The admin searches like the site: phrases, exclusions and arXiv ids, on both databases.


@pytest.fixture
def thoughts(db):
    return {
        "phrase": make_paper("2201.00001", abstract="Chain of thought prompting elicits reasoning."),
        "words": make_paper("2201.00002", abstract="A chain of prompts; thought experiments on reasoning."),
        "vision": make_paper("2201.00003", abstract="Chain of thought prompting for vision models."),
    }


def admin_search(client, text) -> set[str]:
    response = client.get(reverse("admin:papers_paper_changelist"), {"q": text})
    assert response.status_code == 200
    return {paper.arxiv_id for paper in response.context["cl"].result_list}


def test_the_admin_search_keeps_a_quoted_phrase_whole(client, superuser, thoughts):
    logged_in(client, superuser)

    assert admin_search(client, '"chain of thought"') == {"2201.00001", "2201.00003"}


def test_the_admin_search_leaves_out_excluded_words(client, superuser, thoughts):
    logged_in(client, superuser)

    assert admin_search(client, '"chain of thought" -vision') == {"2201.00001"}
    assert admin_search(client, "reasoning -experiments") == {"2201.00001"}


def test_the_admin_search_finds_the_same_papers_as_the_site(client, superuser, thoughts):
    logged_in(client, superuser)

    for text in ['"chain of thought" -vision', "chain thought", "-vision", "!!!"]:
        assert admin_search(client, text) == set(Paper.objects.search(text).values_list("arxiv_id", flat=True))


def test_the_admin_search_still_finds_a_paper_by_its_exact_arxiv_id(client, superuser, thoughts):
    make_paper("2201.10000", abstract="Mentions 2201.00001 in passing.")
    logged_in(client, superuser)

    assert admin_search(client, "arXiv:2201.00001v2") == {"2201.00001"}


def test_anonymous_visitors_never_reach_the_search(team):
    client = Client(raise_request_exception=False)

    assert client.get(reverse("papers:list"), {"q": "-" * 50}).status_code == 302
