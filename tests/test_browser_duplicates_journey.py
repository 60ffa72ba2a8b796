"""An owner cleans up duplicates in a browser: merges a preprint into its published version's pair, rejects a
pair that only looks alike, and finds the merged paper carrying both papers' annotations."""

import json

import pytest
from playwright.sync_api import expect

from papers.importers.upsert import import_files
from papers.models import DuplicateCandidate, DuplicateStatus, Paper
from reviews import annotating
from reviews.models import Comment, Membership, PaperTag, ReviewPaper, Role, Score, ScreeningDecision
from tests.browser import browser_page, log_in_with_cookie, login  # noqa: F401 - browser_page is a fixture
from tests.browser_checks import horizontal_overflow, too_wide
from tests.factories import make_review, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORDS = "\n".join(
    json.dumps(record)
    for record in [
        {"arxiv_id": "2001.08361", "title": "Scaling Laws for Neural Language Models", "abstract": "Loss laws."},
        {
            "doi": "10.1234/jml.2021.7",
            "title": "Scaling laws for neural language models: evidence from transformers",
            "year": 2021,
            "abstract": "The published version.",
        },
        {
            "doi": "10.1/cardio",
            "title": "Cardiovascular disease outcomes during 6.8 years of hormone therapy",
            "year": 2002,
            "abstract": "HERS II.",
        },
        {
            "pmid": "12117397",
            "title": "Noncardiovascular disease outcomes during 6.8 years of hormone therapy",
            "year": 2002,
            "abstract": "HERS II, other outcomes.",
        },
    ]
).encode()


def test_an_owner_merges_one_pair_and_rejects_another(live_server, browser_page):  # noqa: F811
    alice, bob = make_user("alice"), make_user("bob")
    report = import_files([("search.jsonl", RECORDS)])
    assert not report.errors
    assert DuplicateCandidate.objects.count() == 2  # listed on import
    review = make_review("hair", papers=Paper.objects.all(), members={alice: Role.OWNER, bob: Role.REVIEWER})
    preprint, published = Paper.objects.get(arxiv_id="2001.08361"), Paper.objects.get(doi="10.1234/jml.2021.7")
    bob_m, alice_m = Membership.objects.get(user=bob), Membership.objects.get(user=alice)
    annotating.decide(bob_m, preprint.pk, "include")
    annotating.set_score(bob_m, published.pk, 4)
    annotating.apply_tag(alice_m, published.pk, "journal")
    annotating.add_comment(bob_m, preprint.pk, "The preprint has the appendix.")
    merged_pair = DuplicateCandidate.objects.get(paper_a=preprint)
    rejected_pair = DuplicateCandidate.objects.exclude(pk=merged_pair.pk).get()

    page = browser_page
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/hair/")
    page.get_by_role("navigation", name="This review").get_by_role("link", name="Duplicates").click()
    expect(page.get_by_role("heading", name="Possible duplicates", level=1)).to_be_visible()
    expect(page.locator(".duplicate-pair")).to_have_count(2)

    merged_card = page.locator(f"#pair-{merged_pair.pk}")
    expect(merged_card).to_contain_text("arXiv:2001.08361")
    expect(merged_card).to_contain_text("doi:10.1234/jml.2021.7")
    merged_card.get_by_role("button", name="Merge").click()
    expect(merged_card).to_contain_text("Merged doi:10.1234/jml.2021.7 into arXiv:2001.08361")

    rejected_card = page.locator(f"#pair-{rejected_pair.pk}")
    rejected_card.get_by_role("button", name="Not duplicates").click()
    expect(rejected_card).to_contain_text("will not be proposed again")

    # Reloaded, the list is empty: the merged pair is gone and the rejected one is not proposed again.
    page.reload()
    expect(page.get_by_text("No possible duplicates in this review.")).to_be_visible()
    rejected_pair.refresh_from_db()
    assert rejected_pair.status == DuplicateStatus.REJECTED

    # The survivor carries both papers' annotations, and its page shows them.
    assert not Paper.objects.filter(pk=published.pk).exists()
    assert ScreeningDecision.objects.get().paper_id == preprint.pk
    assert Score.objects.get().paper_id == preprint.pk
    assert PaperTag.objects.get().paper_id == preprint.pk
    assert Comment.objects.get().paper_id == preprint.pk
    row = ReviewPaper.objects.get(review=review, paper=preprint)
    assert (row.include_count, row.score_count, row.comment_count) == (1, 1, 1)
    page.goto(f"{live_server.url}/reviews/hair/papers/paper-{published.pk}/")  # the old address
    expect(page).to_have_url(f"{live_server.url}/reviews/hair/papers/2001.08361/")
    expect(page.get_by_text("The preprint has the appendix.")).to_be_visible()
    expect(page.locator(".tag-chips").first).to_contain_text("journal")


def test_the_duplicates_page_fits_a_phone(live_server, browser_page, client):  # noqa: F811
    alice = make_user("alice")
    long_title = "Emicizumab prophylaxis in persons with haemophilia A without inhibitors: " + "results " * 12
    first = Paper.objects.create(title=long_title, doi="10.1/" + "x" * 120, year=2019, authors=["A. Author"] * 30)
    second = Paper.objects.create(title=long_title.lower(), pmid="123456", year=2019)
    make_review("hair", papers=[first, second], members={alice: Role.OWNER})
    DuplicateCandidate.objects.create(paper_a=first, paper_b=second, score=99.0)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_with_cookie(page.context, live_server, client, alice)
    page.goto(f"{live_server.url}/reviews/hair/duplicates/")
    expect(page.get_by_role("button", name="Merge")).to_be_visible()
    assert horizontal_overflow(page) <= 0, too_wide(page)
    box = page.get_by_role("button", name="Not duplicates").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
