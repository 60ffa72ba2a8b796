"""A curator runs enrichment, finds in the admin the paper that failed and why, and has it asked about again."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from papers.management.commands.enrich_papers import Command
from papers.models import EnrichmentAttempt, Paper
from tests.browser import browser_page  # noqa: F401 - a fixture
from tests.enrichment_fakes import FakeClock, FakeTransport, answer, no_network, recorded  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_network")]


def test_a_curator_finds_a_failed_enrichment_and_has_the_paper_asked_again(live_server, browser_page, monkeypatch):  # noqa: F811
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    numpy = Paper.objects.create(doi="10.1038/s41586-020-2649-2", title="Array programming with NumPy")
    broken = Paper.objects.create(doi="10.1000/broken", title="A paper whose lookup failed")
    transport = FakeTransport(
        routes=[
            ("works/10.1038/s41586-020-2649-2", recorded("crossref_work.json")),
            ("works/10.1000/broken", recorded("html_error_page.html")),
        ]
    )
    monkeypatch.setattr(Command, "transport_class", lambda self: transport)
    monkeypatch.setattr(Command, "clock_class", lambda self: FakeClock())
    call_command(
        "enrich_papers", "--source", "crossref", "--mailto", "root@example.org", stdout=StringIO(), stderr=StringIO()
    )

    page = browser_page
    page.goto(f"{live_server.url}/admin/papers/enrichmentattempt/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    # Only the failures, by the outcome filter in the sidebar.
    page.get_by_role("link", name="failed", exact=True).click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("doi:10.1000/broken")
    expect(rows.first).to_contain_text("expected JSON, got text/html")

    # The paper it names opens in the admin.
    rows.first.get_by_role("link", name="doi:10.1000/broken").click()
    expect(page.get_by_label("Title")).to_have_value("A paper whose lookup failed")
    page.go_back()

    # Deleting the attempt is how the paper is asked about again on the next run.
    rows.first.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Delete selected enrichment attempts")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("Successfully deleted 1 enrichment attempt")

    assert not EnrichmentAttempt.objects.filter(paper=broken).exists()
    assert EnrichmentAttempt.objects.get(paper=numpy).outcome == EnrichmentAttempt.Outcome.FILLED
    transport.routes.insert(0, ("works/10.1000/broken", answer(404, b"Resource not found.")))
    call_command(
        "enrich_papers", "--source", "crossref", "--mailto", "root@example.org", stdout=StringIO(), stderr=StringIO()
    )
    assert transport.urls[-1].startswith("https://api.crossref.org/works/10.1000/broken?")
    assert EnrichmentAttempt.objects.get(paper=broken).outcome == EnrichmentAttempt.Outcome.NOT_FOUND
