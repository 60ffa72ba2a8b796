"""The admin's list of enrichment attempts: what each source did for each paper, and why a paper failed."""

import pytest
from django.utils import timezone

from papers.models import EnrichmentAttempt, Paper
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

URL = "/admin/papers/enrichmentattempt/"
Outcome = EnrichmentAttempt.Outcome


def attempt(paper, source, outcome, fields=(), message=""):
    return EnrichmentAttempt.objects.create(
        paper=paper,
        source=source,
        outcome=outcome,
        filled_fields=list(fields),
        message=message,
        attempted_at=timezone.now(),
    )


@pytest.fixture
def attempts(db):
    chain = make_paper("2201.11903")
    numpy = Paper.objects.create(doi="10.1038/s41586-020-2649-2", title="Array programming with NumPy")
    attempt(chain, "arxiv", Outcome.FILLED, ["title", "authors"])
    attempt(numpy, "crossref", Outcome.FAILED, message="expected JSON, got text/html: '<!DOCTYPE html>" + "x" * 300)
    attempt(numpy, "openalex", Outcome.NOT_FOUND)
    return chain, numpy


def test_the_list_shows_each_attempt_with_its_paper_fields_and_message(admin_client, attempts):
    page = admin_client.get(URL).content.decode()

    assert "arXiv:2201.11903" in page and "title, authors" in page
    assert "doi:10.1038/s41586-020-2649-2" in page
    # Long messages are cut; the whole one is on the attempt's page.
    assert "expected JSON, got text/html: &#x27;&lt;!DOCTYPE html&gt;" in page and "x" * 200 not in page


def test_the_list_filters_by_outcome_and_source(admin_client, attempts):
    failed = admin_client.get(URL, {"outcome__exact": "failed"}).content.decode()
    openalex = admin_client.get(URL, {"source": "openalex"}).content.decode()

    assert "expected JSON" in failed and "title, authors" not in failed
    assert "doi:10.1038" in openalex and "arXiv:2201.11903" not in openalex


def test_attempts_are_found_by_the_papers_ids(admin_client, attempts):
    page = admin_client.get(URL, {"q": "10.1038/s41586-020-2649-2"}).content.decode()

    assert "2 results" in page


def test_the_list_costs_the_same_few_queries_for_many_attempts(admin_client, attempts, django_assert_max_num_queries):
    for number in range(1, 31):
        attempt(make_paper(f"2402.{number:05d}"), "arxiv", Outcome.NOT_FOUND)

    with django_assert_max_num_queries(10):
        assert admin_client.get(URL).status_code == 200


def test_attempts_cannot_be_added_or_edited_but_can_be_deleted_to_ask_again(admin_client, attempts):
    failed = EnrichmentAttempt.objects.get(outcome=Outcome.FAILED)

    assert admin_client.get(f"{URL}add/").status_code == 403
    page = admin_client.get(f"{URL}{failed.pk}/change/").content.decode()
    assert 'name="outcome"' not in page and "x" * 300 in page
    admin_client.post(f"{URL}{failed.pk}/delete/", {"post": "yes"})
    assert not EnrichmentAttempt.objects.filter(pk=failed.pk).exists()


def test_people_who_are_not_staff_are_sent_to_log_in(client, attempts):
    from tests.factories import make_user

    client.force_login(make_user("eve"))

    response = client.get(URL)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
