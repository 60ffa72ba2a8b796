"""``manage.py enrich_papers``: options, output, and a whole run over the three sources from recorded answers."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.management.commands.enrich_papers import Command
from papers.models import EnrichmentAttempt, Paper
from tests.enrichment_fakes import FakeClock, FakeTransport, answer, no_network, recorded  # noqa: F401
from tests.factories import make_paper

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_network")]

NUMPY_DOI = "10.1038/s41586-020-2649-2"


@pytest.fixture
def network(monkeypatch):
    """The recorded answers of all three sources, served to the command through a fake transport and clock."""
    clock = FakeClock()
    transport = FakeTransport(
        routes=[
            ("export.arxiv.org", recorded("arxiv_two_entries.xml")),
            (f"api.crossref.org/works/{NUMPY_DOI}", recorded("crossref_work.json")),
            ("api.crossref.org", answer(404, b"Resource not found.")),
            ("api.openalex.org", recorded("openalex_works.json")),
        ],
        clock=clock,
    )
    monkeypatch.setattr(Command, "transport_class", lambda self: transport)
    monkeypatch.setattr(Command, "clock_class", lambda self: clock)
    transport.fake_clock = clock
    return transport


@pytest.fixture
def corpus(db):
    make_paper("2201.11903", abstract="Our abstract.", title="", authors=[])
    make_paper("2303.01234", title="Curator's title", abstract="Kept.", authors=["A. Curator"])
    Paper.objects.create(doi=NUMPY_DOI, title="Array programming with NumPy")


def enrich(*args):
    out, err = StringIO(), StringIO()
    call_command("enrich_papers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_full_run_asks_arxiv_then_crossref_then_openalex(corpus, network):
    out, err = enrich("--mailto", "team@example.org")

    hosts = [url.split("/")[2] for url in network.urls]
    assert hosts == ["export.arxiv.org", "api.crossref.org", "api.crossref.org", "api.openalex.org"]
    # The journal DOI arXiv gave the second paper is what Crossref is then asked about.
    assert "works/10.1103/physrevlett.131.010601?" in network.urls[1]
    assert out.splitlines()[0] == (
        "arxiv: 2 of 2 paper(s) tried in 1 request(s): 2 filled, 0 unchanged, 0 not found, 0 failed."
    )
    assert "crossref: 2 of 2 paper(s) tried in 2 request(s): 1 filled, 0 unchanged, 1 not found, 0 failed." in out
    assert "openalex: 3 of 3 paper(s) tried in 1 request(s)" in out
    numpy = Paper.objects.get(doi=NUMPY_DOI)
    assert (numpy.venue, numpy.year, numpy.pmid) == ("Nature", 2020, "32939066")
    assert err == ""
    assert EnrichmentAttempt.objects.count() == 7


def test_a_second_run_makes_no_request_and_says_why(corpus, network):
    enrich("--mailto", "team@example.org")
    requests = len(network.requests)

    out, _ = enrich("--mailto", "team@example.org")

    assert len(network.requests) == requests
    # Counted among the papers still lacking something arXiv could fill: the first still has no journal DOI.
    assert "  1 paper(s) skipped: arxiv already answered for them (--retry asks again)" in out
    assert "  2 paper(s) skipped: openalex already answered for them (--retry asks again)" in out


def test_one_source_at_a_time(corpus, network):
    out, _ = enrich("--source", "crossref", "--mailto", "team@example.org")

    assert [url.split("/")[2] for url in network.urls] == ["api.crossref.org"]
    assert out.startswith("crossref: 1 of 1 paper(s)")


def test_sources_run_once_each_and_arxiv_first_however_named(corpus, network):
    out, _ = enrich("--source", "crossref", "--source", "arxiv", "--source", "crossref", "--mailto", "a@example.org")

    assert [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")] == ["arxiv", "crossref"]


def test_the_interval_is_configurable(corpus, network):
    Paper.objects.create(doi="10.1000/another")

    enrich("--source", "crossref", "--interval", "2.5", "--mailto", "team@example.org")

    assert network.fake_clock.sleeps == [2.5]


def test_an_interval_shorter_than_arxiv_asks_for_is_warned_about(corpus, network):
    _, err = enrich("--source", "arxiv", "--interval", "1", "--mailto", "team@example.org")

    assert "--interval 1 is shorter than the 3 s arXiv asks for" in err
    _, err = enrich("--source", "crossref", "--interval", "1", "--mailto", "team@example.org")
    assert err == ""


def test_the_mailto_goes_in_the_user_agent_and_the_query(corpus, network):
    enrich("--source", "crossref", "--mailto", "team@example.org")

    url, headers = network.requests[0]
    assert url.endswith("?mailto=team%40example.org")
    assert "mailto:team@example.org" in headers["User-Agent"]


def test_without_a_mailto_it_warns_and_goes_on(corpus, network, monkeypatch):
    monkeypatch.delenv("MARGINALIA_MAILTO", raising=False)

    out, err = enrich("--source", "crossref")

    assert "No --mailto given" in err
    assert "crossref: 1 of 1" in out
    assert "mailto" not in network.urls[0]


def test_papers_restricts_the_run(corpus, network):
    out, _ = enrich("--source", "arxiv", "--papers", "2303.01234", "--mailto", "team@example.org")

    assert network.urls == ["https://export.arxiv.org/api/query?id_list=2303.01234&max_results=1"]
    assert Paper.objects.get(arxiv_id="2201.11903").title == ""


def test_papers_may_be_named_by_versioned_arxiv_id_or_doi(corpus, network):
    enrich("--source", "openalex", "--papers", "arXiv:2201.11903v2", f"https://doi.org/{NUMPY_DOI.upper()}")

    (url,) = network.urls
    assert f"filter=doi:10.48550/arxiv.2201.11903|{NUMPY_DOI}&" in url


def test_all_asks_about_complete_papers_too(corpus, network):
    Paper.objects.filter(doi=NUMPY_DOI).update(abstract="A", authors=["B"], venue="V", year=2020, month=9)

    enrich("--source", "crossref", "--mailto", "team@example.org")
    assert network.requests == []
    out, _ = enrich("--source", "crossref", "--all", "--mailto", "team@example.org")

    assert len(network.requests) == 1
    # What it had stays; only what it lacked (volume, pages, … in extra) is added.
    assert "fields filled: issn 1, issue 1, pages 1, publisher 1, type 1, volume 1" in out
    numpy = Paper.objects.get(doi=NUMPY_DOI)
    assert (numpy.abstract, numpy.authors, numpy.venue, numpy.year, numpy.month) == ("A", ["B"], "V", 2020, 9)


def test_a_dry_run_writes_nothing(corpus, network):
    out, _ = enrich("--dry-run", "--mailto", "team@example.org")

    assert "dry run: nothing was written" in out
    assert not EnrichmentAttempt.objects.exists()
    assert Paper.objects.get(arxiv_id="2201.11903").title == ""


def test_problems_go_to_stderr_and_the_run_goes_on(corpus, network):
    network.routes.insert(0, ("export.arxiv.org", recorded("html_error_page.html", status=200)))

    out, err = enrich("--mailto", "team@example.org")

    assert "arxiv: arXiv:2201.11903, arXiv:2303.01234: expected XML, got text/html" in err
    assert "arxiv: 2 of 2 paper(s) tried in 1 request(s): 0 filled, 0 unchanged, 0 not found, 2 failed." in out
    assert "openalex: 3 of 3" in out


def test_an_interrupted_run_says_how_to_continue(corpus, network):
    network.routes.insert(0, ("export.arxiv.org", KeyboardInterrupt()))

    with pytest.raises(CommandError, match="interrupted; run the same command again to continue"):
        enrich("--mailto", "team@example.org")
    assert not EnrichmentAttempt.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--papers", "2201.11903", "paper-999999", "nonsense"], "no paper has the key 'paper-999999', 'nonsense'"),
        (["--papers", "2201.11903\x00"], r"no paper has the key '2201.11903\\x00'"),
        (["--mailto", "not an address"], "--mailto is not an e-mail address"),
        (["--mailto", "a@example.org\r\nX-Injected: 1"], "--mailto is not an e-mail address"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--interval", "-1"], "out of range"),
        (["--interval", "soon"], "not a number"),
        (["--timeout", "0"], "--timeout must be more than 0 seconds"),
    ],
)
def test_bad_options_are_refused_before_any_request(corpus, network, args, message):
    with pytest.raises(CommandError, match=message):
        enrich(*args)
    assert network.requests == []


def test_an_unknown_source_is_refused(corpus, network):
    with pytest.raises(CommandError, match="invalid choice: 'scholar'"):
        enrich("--source", "scholar")
