"""A curator uploads a PubMed export with a broken record in the admin, skips it, then finds and edits a paper."""

import pytest
from playwright.sync_api import expect

from papers.models import ImportBatch, Paper
from tests.browser import browser_page  # noqa: F401 - a fixture
from tests.importer_fixtures import DATA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_curator_imports_a_pubmed_file_skipping_its_broken_record_and_edits_a_paper(
    live_server,
    browser_page,  # noqa: F811
    tmp_path,
):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    export = tmp_path / "pubmed-retina.nbib"
    # PubMed's three records, and a fourth with neither title nor abstract.
    export.write_text((DATA / "pubmed.nbib").read_text() + "\nPMID- 36000000\nSTAT- Publisher\nLA  - eng\n")
    page = browser_page
    page.goto(f"{live_server.url}/admin/papers/importbatch/upload/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    # By default the broken record stops the whole file.
    page.get_by_label("File").set_input_files(str(export))
    page.get_by_role("button", name="Upload and import").click()
    # The upload becomes an import job (run at once in tests); its page gives the outcome.
    expect(page.locator("#job-status")).to_contain_text("Failed: nothing was imported")
    expect(page.locator("#import-problems")).to_contain_text(
        "pubmed-retina.nbib:65: record PMID:36000000 has no title and no abstract"
    )
    assert not Paper.objects.exists()

    # Skipping invalid records imports the other three and lists the one left out.
    page.goto(f"{live_server.url}/admin/papers/importbatch/upload/")
    page.get_by_label("File").set_input_files(str(export))
    page.get_by_label("Skip invalid records").check()
    page.get_by_role("button", name="Upload and import").click()
    status = page.locator("#job-status")
    expect(status).to_contain_text("4 records: 3 created, 0 updated, 0 unchanged, 1 skipped")
    expect(page.locator("#import-warnings")).to_contain_text(
        "pubmed-retina.nbib:65: skipped: record PMID:36000000 has no title and no abstract"
    )
    batch = ImportBatch.objects.get()
    assert (batch.format, batch.created_count, batch.skipped_count) == ("medline", 3, 1)

    # The paper list shows each paper's best id; a PubMed id finds the paper.
    page.goto(f"{live_server.url}/admin/papers/paper/")
    expect(page.locator("#result_list")).to_contain_text("PMID:9876543")
    page.locator("#searchbar").fill("PMID:9876543")
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name="PMID:9876543").click()
    expect(page.get_by_label("Venue")).to_have_value("British medical journal")
    page.get_by_label("Venue").fill("BMJ")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    trial = Paper.objects.get(pmid="9876543")
    assert (trial.venue, trial.year, trial.month, trial.arxiv_id) == ("BMJ", 1948, 7, "")
    assert trial.extra["mesh_terms"] == ["Streptomycin/*therapeutic use", "Tuberculosis, Pulmonary/*drug therapy"]
