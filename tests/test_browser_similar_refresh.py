"""Similar papers after an upload: the worker imports the file, then refreshes the similar papers the import
queued, and a paper just imported lists the older papers on its topic."""

import json

import pytest
from playwright.sync_api import expect

from papers import similarity
from papers.models import Paper, SimilarPaper
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.factories import make_paper
from tests.test_browser_import import worker  # noqa: F401 - a fixture: the database backend's worker
from tests.test_import_jobs import curator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROTEIN = "Protein folding of amino acid chains predicted from sequences"
GALAXY = "Dark matter halos and rotation curves of spiral galaxies"


def test_a_paper_uploaded_on_the_import_page_lists_its_similar_papers(
    live_server,
    browser_page,  # noqa: F811
    client,
    worker,  # noqa: F811
    tmp_path,
):
    older = [make_paper(title=f"Protein folding {n}", abstract=f"{PROTEIN} ({n}).") for n in range(3)]
    for n in range(3):
        make_paper(title=f"Spiral galaxies {n}", abstract=f"{GALAXY} ({n}).")
    similarity.refresh()
    upload = tmp_path / "proteins.jsonl"
    upload.write_text(
        json.dumps({"arxiv_id": "2402.00001", "title": "Folding proteins anew", "abstract": f"{PROTEIN}, again."})
        + "\n"
    )
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, curator())

    page.goto(f"{live_server.url}/papers/import/")
    page.get_by_label("Files").set_input_files(upload)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#job-status")).to_contain_text("Waiting for the worker")
    worker.start()
    expect(page.locator("#job-status")).to_contain_text("Done", timeout=20_000)

    page.get_by_role("link", name="See the papers").click()
    page.get_by_role("link", name="Folding proteins anew").click()
    # The refresh runs in the worker after the import: the page may need a reload or two to show it.
    section = page.locator("section.similar-papers")
    for _ in range(20):
        if section.locator("li.similar-paper").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    for paper in older:
        expect(section.get_by_role("link", name=paper.title)).to_be_visible()
    expect(section).not_to_contain_text("Spiral galaxies")
    new = Paper.objects.get(arxiv_id="2402.00001")
    assert new.pk in SimilarPaper.objects.filter(paper=older[0]).values_list("similar_id", flat=True)
