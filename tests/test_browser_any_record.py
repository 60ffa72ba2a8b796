"""Papers without an arXiv id in a browser: a reviewer finds a DOI record and a PubMed record in the review list,
opens one from the list, screens it on its page, and follows its link to the corpus record."""

import json

import pytest
from playwright.sync_api import expect

from papers.importers import import_files
from papers.models import Paper
from reviews.models import Role, ScreeningDecision
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.factories import make_paper, make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mixed_review(db):
    records = [
        {"doi": "10.1016/j.bone.2002.01.004", "title": "Tibolone and bone loss", "year": 2002, "venue": "Bone"},
        {
            "pmid": "31452104",
            "title": "Hair cortisol in health and disease",
            "abstract": "A meta-analysis of hair cortisol.",
            "year": "2019 Aug",
            "venue": "Psychoneuroendocrinology",
        },
    ]
    report = import_files([("search.jsonl", "\n".join(json.dumps(r) for r in records).encode())])
    assert report.ok, report.errors
    reviewer = make_user("bob")
    arxiv = make_paper("2201.11903", title="Chain of thought prompting")
    review = make_review(papers=[arxiv, *Paper.objects.exclude(arxiv_id="")], members={reviewer: Role.REVIEWER})
    review.add_papers(list(Paper.objects.filter(arxiv_id="").values_list("pk", flat=True)))
    return review, reviewer


def test_a_reviewer_screens_a_pubmed_record_from_the_review_list(
    live_server,
    browser_page,  # noqa: F811
    client,
    mixed_review,
):
    review, reviewer = mixed_review
    pubmed = Paper.objects.get(pmid="31452104")
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, reviewer)
    page.goto(f"{live_server.url}/reviews/{review.slug}/")

    row = page.locator(f"#paper-{pubmed.pk}")
    expect(row).to_contain_text("PMID:31452104")
    expect(row).to_contain_text("2019")
    expect(page.locator(".screening-row")).to_have_count(3)
    row.get_by_role("link", name="Hair cortisol in health and disease").click()

    expect(page).to_have_url(f"{live_server.url}/reviews/{review.slug}/papers/paper-{pubmed.pk}/")
    expect(page.get_by_role("link", name="PMID:31452104")).to_have_attribute(
        "href", "https://pubmed.ncbi.nlm.nih.gov/31452104/"
    )
    page.get_by_role("button", name="Include").first.click()
    # Deciding moves on to the next paper that needs the reviewer (auto-advance, on by default).
    expect(page).not_to_have_url(f"{live_server.url}/reviews/{review.slug}/papers/paper-{pubmed.pk}/")
    assert ScreeningDecision.objects.get(paper=pubmed, user=reviewer).decision == "include"

    page.goto(f"{live_server.url}/reviews/{review.slug}/papers/paper-{pubmed.pk}/")
    expect(page.get_by_role("button", name="Include").first).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name="corpus record").click()
    expect(page).to_have_url(f"{live_server.url}/papers/paper-{pubmed.pk}/")
    expect(page.locator(".paper-facts")).to_contain_text("Psychoneuroendocrinology, 2019")
