"""Enriching papers from recorded arXiv, Crossref and OpenAlex answers: what is filled, what is never touched,
what is recorded, and how a run resumes, fails and stops. No test reaches the network (no_network)."""

import pytest

from papers.enrichment import ArxivSource, CrossrefSource, OpenAlexSource, PoliteClient, enrich_papers
from papers.enrichment.client import FetchError
from papers.enrichment.crossref import doi_path
from papers.enrichment.openalex import abstract_from_index
from papers.importers import import_files
from papers.models import EnrichmentAttempt, Paper
from tests.enrichment_fakes import FakeClock, FakeTransport, answer, no_network, recorded  # noqa: F401
from tests.factories import make_paper

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_network")]

Outcome = EnrichmentAttempt.Outcome
NUMPY_DOI = "10.1038/s41586-020-2649-2"
PRL_DOI = "10.1103/physrevlett.131.010601"
CROSSREF_NUMPY = f"api.crossref.org/works/{NUMPY_DOI}"


@pytest.fixture
def corpus():
    """Two arXiv papers with gaps, a DOI-only paper with gaps, and a paper no source can look up."""

    class Corpus:
        chain = make_paper("2201.11903", abstract="Our own copy of the abstract.", title="", authors=[])
        quantum = make_paper("2303.01234", title="Curator's title", abstract="Kept.", authors=["A. Curator"])
        numpy = Paper.objects.create(doi=NUMPY_DOI, title="Array programming with NumPy")
        untitled = Paper.objects.create(title="A record with no identifier at all")

    return Corpus


def run(source, routes, interval=0.0, **options):
    clock = FakeClock()
    transport = FakeTransport(routes=routes, clock=clock)
    client = PoliteClient(interval=interval, mailto="team@example.org", transport=transport, clock=clock)
    problems = []
    report = enrich_papers(source, client, on_problem=problems.append, **options)
    return report, transport, problems


def attempts(source):
    return {a.paper_id: a for a in EnrichmentAttempt.objects.filter(source=source)}


def test_arxiv_fills_what_papers_lack_in_one_request(corpus):
    report, transport, problems = run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    assert transport.urls == ["https://export.arxiv.org/api/query?id_list=2201.11903,2303.01234&max_results=2"]
    chain = Paper.objects.get(pk=corpus.chain.pk)
    assert chain.title == "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models"
    assert chain.authors == ["Jason Wei", "Xuezhi Wang", "Dale Schuurmans", "Denny Zhou"]
    assert chain.primary_category == "cs.CL"
    assert chain.extra == {"categories": ["cs.CL", "cs.AI"], "comment": "NeurIPS 2022"}
    assert chain.version == 6
    assert chain.title_key == "chain of thought prompting elicits reasoning in large language models"
    assert (report.outcomes[Outcome.FILLED], report.tried, problems) == (2, 2, [])


def test_arxiv_never_overwrites_what_a_paper_has(corpus):
    run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    chain, quantum = Paper.objects.get(pk=corpus.chain.pk), Paper.objects.get(pk=corpus.quantum.pk)
    assert chain.abstract == "Our own copy of the abstract."
    assert (quantum.title, quantum.abstract, quantum.authors) == ("Curator's title", "Kept.", ["A. Curator"])
    # What it lacked is filled: the journal DOI and reference, and the category.
    assert (quantum.doi, quantum.venue, quantum.primary_category) == (
        PRL_DOI,
        "Phys. Rev. Lett. 131, 010601 (2023)",
        "quant-ph",
    )
    # arXiv does not give papers a year: the id already says when they appeared.
    assert (quantum.year, quantum.month) == (None, None)
    assert attempts("arxiv")[quantum.pk].filled_fields == ["primary_category", "venue", "doi", "categories", "comment"]


def test_the_report_counts_the_fields_filled(corpus):
    report, _, _ = run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    assert report.filled_fields == {
        "title": 1,
        "authors": 1,
        "primary_category": 2,
        "venue": 1,
        "doi": 1,
        "categories": 2,
        "comment": 2,
    }
    assert report.summary_lines()[0] == (
        "arxiv: 2 of 2 paper(s) tried in 1 request(s): 2 filled, 0 unchanged, 0 not found, 0 failed."
    )


def test_a_second_run_makes_no_request(corpus):
    run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    report, transport, _ = run(ArxivSource(), [], only_missing=False)

    assert transport.requests == []
    assert (report.tried, report.skipped) == (0, 2)
    assert "2 paper(s) skipped: arxiv already answered for them (--retry asks again)" in report.summary_lines()[1]


def test_retry_asks_again(corpus):
    run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    report, transport, _ = run(
        ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))], retry=True, only_missing=False
    )

    assert len(transport.requests) == 1
    assert report.outcomes[Outcome.UNCHANGED] == 2


def test_a_paper_not_in_the_feed_is_not_found_and_not_asked_again(corpus):
    corpus.quantum.delete()
    make_paper("2401.00001", title="", authors=[])

    run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    outcomes = {a.paper.arxiv_id: a.outcome for a in EnrichmentAttempt.objects.all()}
    assert outcomes == {"2201.11903": Outcome.FILLED, "2401.00001": Outcome.NOT_FOUND}
    _, transport, _ = run(ArxivSource(), [])
    assert transport.requests == []


def test_an_interrupted_run_continues_where_it_stopped(corpus):
    second = Paper.objects.create(doi="10.1000/second")
    routes = [("10.1000/second", KeyboardInterrupt()), ("crossref", recorded("crossref_work.json"))]

    report, transport, _ = run(CrossrefSource(), routes)

    assert report.interrupted and report.tried == 1
    assert attempts("crossref").keys() == {corpus.numpy.pk}
    assert "interrupted: run the same command again" in report.summary_lines()[-1]

    _, transport, _ = run(CrossrefSource(), [("10.1000/second", answer(404))])
    assert transport.urls == ["https://api.crossref.org/works/10.1000/second?mailto=team%40example.org"]
    assert attempts("crossref")[second.pk].outcome == Outcome.NOT_FOUND


def test_crossref_fills_the_published_details(corpus):
    report, transport, _ = run(CrossrefSource(), [(CROSSREF_NUMPY, recorded("crossref_work.json"))])

    assert transport.urls == [f"https://{CROSSREF_NUMPY}?mailto=team%40example.org"]
    numpy = Paper.objects.get(pk=corpus.numpy.pk)
    assert numpy.authors == ["Harris, Charles R.", "Millman, K. Jarrod", "van der Walt, Stéfan J.", "NumPy Developers"]
    assert (numpy.venue, numpy.year, numpy.month) == ("Nature", 2020, 9)
    assert numpy.abstract.startswith("Array programming provides a powerful, compact and expressive syntax")
    assert "gravitational waves1 and" in numpy.abstract and "<" not in numpy.abstract
    assert numpy.extra == {
        "volume": "585",
        "issue": "7825",
        "pages": "357-362",
        "publisher": "Springer Science and Business Media LLC",
        "issn": ["0028-0836", "1476-4687"],
        "type": "journal-article",
    }
    assert numpy.title == "Array programming with NumPy"
    assert str(numpy.submitted_month) == "2020-09-01"
    assert report.outcomes[Outcome.FILLED] == 1


def test_crossref_skips_papers_with_only_arxiv_doi(corpus):
    Paper.objects.filter(pk=corpus.chain.pk).update(doi="10.48550/arxiv.2201.11903")

    _, transport, _ = run(CrossrefSource(), [(CROSSREF_NUMPY, recorded("crossref_work.json"))])

    assert transport.urls == [f"https://{CROSSREF_NUMPY}?mailto=team%40example.org"]


def test_openalex_fills_abstracts_ids_and_venues_in_one_request(corpus):
    report, transport, _ = run(OpenAlexSource(), [("api.openalex.org/works?", recorded("openalex_works.json"))])

    (url,) = transport.urls
    assert "filter=doi:10.48550/arxiv.2201.11903|10.48550/arxiv.2303.01234|10.1038/s41586-020-2649-2" in url
    assert "per-page=6" in url and "mailto=team%40example.org" in url
    numpy = Paper.objects.get(pk=corpus.numpy.pk)
    assert numpy.abstract == (
        "Array programming provides a powerful, compact and expressive syntax. NumPy is the programming library "
        "for Python."
    )
    assert (numpy.pmid, numpy.venue, numpy.year, numpy.month) == ("32939066", "Nature", 2020, 9)
    assert numpy.extra["openalex"] == "W3088422934" and numpy.extra["pages"] == "357-362"
    chain = Paper.objects.get(pk=corpus.chain.pk)
    # arXiv itself is a repository, not a venue.
    assert (chain.venue, chain.doi, chain.year) == ("", "10.48550/arxiv.2201.11903", 2022)
    assert attempts("openalex")[corpus.quantum.pk].outcome == Outcome.NOT_FOUND
    assert report.outcomes == {Outcome.FILLED: 2, Outcome.NOT_FOUND: 1}


def test_openalex_looks_up_papers_with_only_a_pubmed_id(corpus):
    pubmed = Paper.objects.create(pmid="32939066", title="NumPy")

    routes = [("ids.pmid:32939066", recorded("openalex_works.json"))]

    run(OpenAlexSource(), routes, papers=Paper.objects.filter(pk=pubmed.pk))

    assert Paper.objects.get(pk=pubmed.pk).doi == NUMPY_DOI


def test_an_openalex_key_is_sent_but_never_shown(corpus):
    routes = [("api.openalex.org", answer(403, b"Forbidden", "application/json"))]

    report, transport, problems = run(OpenAlexSource(api_key="SECRET-KEY"), routes)

    assert "api_key=SECRET-KEY" in transport.urls[0]
    assert problems and not any("SECRET" in problem for problem in problems)
    assert all("SECRET" not in a.message for a in EnrichmentAttempt.objects.all())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (recorded("html_error_page.html"), "expected JSON, got text/html"),
        (recorded("crossref_truncated.json"), "malformed JSON"),
        (answer(200, b'{"status": "ok", "message-type": "work-list"}', "application/json"), "expected a Crossref work"),
        (answer(200, b"[1, 2]", "application/json"), "expected a Crossref work"),
    ],
)
def test_a_bad_crossref_answer_fails_that_paper_and_the_run_goes_on(corpus, body, reason):
    second = Paper.objects.create(doi="10.1000/second")
    routes = [(CROSSREF_NUMPY, body), ("10.1000/second", recorded("crossref_work.json"))]

    report, _, problems = run(CrossrefSource(), routes)

    assert report.outcomes == {Outcome.FAILED: 1, Outcome.FILLED: 1}
    assert len(problems) == 1 and problems[0].startswith(f"crossref: doi:{NUMPY_DOI}: {reason}")
    failed = attempts("crossref")[corpus.numpy.pk]
    assert (failed.outcome, reason in failed.message) == (Outcome.FAILED, True)
    numpy = Paper.objects.get(pk=corpus.numpy.pk)
    assert (numpy.authors, numpy.venue, numpy.extra) == ([], "", {})
    assert Paper.objects.get(pk=second.pk).venue == "Nature"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("xml_bomb.xml", "XML with a DOCTYPE declaration refused"),
        ("xml_external_entity.xml", "XML with a DOCTYPE declaration refused"),
        ("arxiv_truncated.xml", "malformed XML"),
        ("arxiv_error.xml", "arXiv refused the request: incorrect id format for 1234.12345"),
        ("crossref_work.json", "expected XML, got application/json"),
    ],
)
def test_a_bad_arxiv_answer_fails_the_batch_and_writes_nothing(corpus, name, reason):
    report, _, problems = run(ArxivSource(), [("export.arxiv.org", recorded(name))])

    assert report.outcomes == {Outcome.FAILED: 2}
    assert problems[0].startswith(f"arxiv: arXiv:2201.11903, arXiv:2303.01234: {reason}")
    chain = Paper.objects.get(pk=corpus.chain.pk)
    assert (chain.title, chain.authors, chain.extra) == ("", [], {})


def test_failed_papers_are_tried_again_on_the_next_run(corpus):
    run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_truncated.xml"))])

    report, transport, _ = run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    assert len(transport.requests) == 1 and report.outcomes[Outcome.FILLED] == 2
    assert {a.outcome for a in EnrichmentAttempt.objects.all()} == {Outcome.FILLED}
    assert "failed papers are tried again" not in "\n".join(report.summary_lines())


def test_a_429_in_a_run_is_waited_out_and_the_paper_filled(corpus):
    routes = [(CROSSREF_NUMPY, [answer(429, headers={"Retry-After": "12"}), recorded("crossref_work.json")])]
    clock = FakeClock()
    client = PoliteClient(interval=1.0, transport=FakeTransport(routes=routes, clock=clock), clock=clock)

    report = enrich_papers(CrossrefSource(), client)

    assert clock.sleeps == [12.0]
    assert (report.requests, report.outcomes[Outcome.FILLED]) == (2, 1)


def test_a_source_asking_to_stop_ends_the_run_and_the_rest_waits_for_the_next(corpus):
    for number in range(3):
        Paper.objects.create(doi=f"10.1000/later{number}")
    quota = answer(429, b"Daily limit exceeded", headers={"Retry-After": "86400"})

    report, transport, _ = run(CrossrefSource(), [(CROSSREF_NUMPY, recorded("crossref_work.json")), ("later", quota)])

    assert report.stopped.startswith("HTTP 429: the server asks us to wait 86400 s")
    assert (report.tried, len(transport.requests)) == (1, 2)
    assert attempts("crossref").keys() == {corpus.numpy.pk}
    _, transport, _ = run(CrossrefSource(), [("later", answer(404))])
    assert len(transport.requests) == 3


def test_three_failed_requests_in_a_row_end_the_source(corpus):
    for number in range(5):
        Paper.objects.create(doi=f"10.1000/down{number}")

    report, transport, _ = run(CrossrefSource(), [("crossref", FetchError("network error: unreachable"))])

    assert report.stopped == "3 requests in a row failed; run the command again later"
    assert report.outcomes == {Outcome.FAILED: 3}
    # Each failed request was tried four times (three retries) before the paper was given up.
    assert len(transport.requests) == 12


def test_a_curators_edit_during_the_request_is_kept(corpus):
    def edit_then_answer(url, headers, timeout, max_bytes):
        Paper.objects.filter(pk=corpus.chain.pk).update(title="Edited while enrichment waited")
        return recorded("arxiv_two_entries.xml")

    clock = FakeClock()
    client = PoliteClient(interval=0, transport=edit_then_answer, clock=clock)

    enrich_papers(ArxivSource(), client)

    chain = Paper.objects.get(pk=corpus.chain.pk)
    assert chain.title == "Edited while enrichment waited"
    assert chain.authors == ["Jason Wei", "Xuezhi Wang", "Dale Schuurmans", "Denny Zhou"]
    assert "title" not in attempts("arxiv")[chain.pk].filled_fields


def test_a_complete_paper_is_left_exactly_as_it_was(corpus):
    complete = Paper.objects.create(
        doi=NUMPY_DOI.replace("2649", "9999"),
        title="T",
        abstract="A",
        authors=["B"],
        venue="V",
        year=1999,
        month=1,
        extra={"volume": "1", "issue": "2", "pages": "3", "publisher": "P", "issn": ["X"], "type": "t"},
    )
    Paper.objects.filter(pk=corpus.numpy.pk).delete()
    before = Paper.objects.values().get(pk=complete.pk)

    report, _, _ = run(CrossrefSource(), [("crossref", recorded("crossref_work.json"))], only_missing=False)

    assert report.outcomes == {Outcome.UNCHANGED: 1}
    assert Paper.objects.values().get(pk=complete.pk) == before


def test_only_missing_leaves_complete_papers_out(corpus):
    Paper.objects.filter(pk=corpus.numpy.pk).update(abstract="A", authors=["B"], venue="V", year=2020, month=9)

    _, transport, _ = run(CrossrefSource(), [])

    assert transport.requests == []


def test_a_value_the_database_would_refuse_fails_the_paper(corpus):
    venue = b'"container-title": ["Nature"]'
    poisoned = recorded("crossref_work.json").body.replace(venue, b'"container-title": ["Na\\u0000ture"]')
    assert poisoned.count(b"\\u0000") == 1

    report, _, problems = run(CrossrefSource(), [("crossref", answer(200, poisoned, "application/json"))])

    assert report.outcomes == {Outcome.FAILED: 1}
    assert "venue" in problems[0]
    assert Paper.objects.get(pk=corpus.numpy.pk).authors == []


def test_a_dry_run_asks_and_reports_but_writes_nothing(corpus):
    report, transport, _ = run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))], dry_run=True)

    assert len(transport.requests) == 1
    assert report.outcomes[Outcome.FILLED] == 2 and report.filled_fields["title"] == 1
    assert "2 would be filled" in report.summary_lines()[0]
    assert report.summary_lines()[-1] == "  dry run: nothing was written"
    assert Paper.objects.get(pk=corpus.chain.pk).title == ""
    assert not EnrichmentAttempt.objects.exists()


def test_limit_caps_the_papers_tried(corpus):
    report, transport, _ = run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))], limit=1)

    assert transport.urls == ["https://export.arxiv.org/api/query?id_list=2201.11903&max_results=1"]
    assert report.tried == 1


def test_arxiv_batches_a_hundred_papers_a_request(db):
    for number in range(1, 151):
        make_paper(f"2402.{number:05d}", title="", authors=[])
    empty_feed = answer(200, b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "application/atom+xml")

    report, transport, _ = run(ArxivSource(), [("export.arxiv.org", empty_feed)], interval=3.0)

    assert [url.count(",") + 1 for url in transport.urls] == [100, 50]
    assert report.outcomes == {Outcome.NOT_FOUND: 150}


def test_arxiv_waits_three_seconds_between_requests_by_default(db):
    for number in range(1, 251):
        make_paper(f"2402.{number:05d}", title="", authors=[])
    empty_feed = answer(200, b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "application/atom+xml")
    clock = FakeClock()
    client = PoliteClient(interval=ArxivSource.interval, transport=FakeTransport([("arxiv", empty_feed)]), clock=clock)

    enrich_papers(ArxivSource(), client)

    assert clock.sleeps == [3.0, 3.0]


def test_a_doi_learnt_that_another_paper_has_is_noted(corpus):
    Paper.objects.create(doi=PRL_DOI, title="The journal version")

    report, _, _ = run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    assert report.notes == [
        f"arXiv:2303.01234v2 now has DOI {PRL_DOI}, as doi:{PRL_DOI} does: they may be one paper "
        "(manage.py find_duplicates)"
    ]


@pytest.mark.parametrize(
    "index",
    [
        None,
        "words",
        {"a": "0"},
        {"a": [0.5]},
        {"a": [-1]},
        {"a": [True]},
        {"word": list(range(20_001))},
    ],
)
def test_a_malformed_inverted_index_gives_no_abstract(index):
    assert abstract_from_index(index) == ""


def test_a_hostile_position_costs_nothing():
    assert abstract_from_index({"end": [10**15], "start": [0]}) == "start end"


def test_importing_never_asks_a_source(db):
    report = import_files([("papers.jsonl", b'{"arxiv_id": "2201.11903", "abstract": "An abstract."}\n')])

    assert report.ok
    assert not EnrichmentAttempt.objects.exists()
    assert Paper.objects.get(arxiv_id="2201.11903").title == ""


def test_a_doi_that_cannot_go_in_a_filter_is_asked_for_alone(db):
    odd = Paper.objects.create(doi="10.1000/a,b|c", title="An odd DOI")

    report, transport, _ = run(OpenAlexSource(), [("api.openalex.org/works/doi:", answer(404, b"Not found"))])

    assert [url.split("?")[0] for url in transport.urls] == ["https://api.openalex.org/works/doi:10.1000/a%2Cb%7Cc"]
    assert attempts("openalex")[odd.pk].outcome == Outcome.NOT_FOUND


@pytest.mark.parametrize(
    ("doi", "path"),
    [
        ("10.1038/s41586-020-2649-2", "10.1038/s41586-020-2649-2"),
        (
            "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-o",
            "10.1002/%28sici%291097-4571%28199806%2949%3A8%3C693%3A%3Aaid-asi4%3E3.0.co%3B2-o",
        ),
        ("10.1000/x?y#z", "10.1000/x%3Fy%23z"),
        ("10.1000/../../members", "10.1000%2F..%2F..%2Fmembers"),
    ],
)
def test_dois_are_written_into_urls_safely(doi, path):
    assert doi_path(doi) == path


def test_a_batch_interrupted_while_being_written_leaves_nothing_behind(corpus, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(EnrichmentAttempt.objects, "bulk_create", interrupted)

    report, _, _ = run(ArxivSource(), [("export.arxiv.org", recorded("arxiv_two_entries.xml"))])

    assert report.interrupted and not report.outcomes and not report.filled_fields
    chain = Paper.objects.get(pk=corpus.chain.pk)
    assert (chain.title, chain.authors, chain.extra) == ("", [], {})
    assert Paper.objects.get(pk=corpus.quantum.pk).doi == ""


SHAPES = [None, True, 0, -1, 10**20, 1.5, "", "x", [], [None], [[]], [[None]], {}, {"a": None}, [{"a": 1}], "\u0000"]


@pytest.mark.parametrize("shape", SHAPES)
def test_crossref_answers_of_any_shape_are_read_or_refused_never_raised(shape):
    from papers.enrichment.crossref import read_work

    fields = ["DOI", "title", "abstract", "author", "container-title", "published", "issued", "volume", "ISSN"]
    work = {name: shape for name in fields}
    work["published"] = {"date-parts": shape}
    try:
        record = read_work({"message-type": "work", "message": work})
    except FetchError:
        return
    assert isinstance(record.title, str) and isinstance(record.authors, list)


@pytest.mark.parametrize("shape", SHAPES)
def test_openalex_works_of_any_shape_are_read_never_raised(shape):
    from papers.enrichment.openalex import read_work

    fields = ["id", "doi", "ids", "title", "publication_year", "publication_date", "authorships", "biblio"]
    work = {name: shape for name in fields}
    work.update(primary_location={"source": shape}, abstract_inverted_index=shape)

    record = read_work(work)

    assert isinstance(record.title, str) and isinstance(record.authors, list)


@pytest.mark.parametrize("shape", SHAPES)
def test_openalex_lists_of_any_shape_fail_the_batch_or_are_read(corpus, shape):
    import json

    body = json.dumps({"results": shape if isinstance(shape, list) else [shape]}).encode()

    report, _, _ = run(OpenAlexSource(), [("api.openalex.org", answer(200, body, "application/json"))])

    assert report.tried == 3
    assert sum(report.outcomes.values()) == 3


def test_an_unforeseen_shape_fails_the_batch_instead_of_ending_the_run(corpus, monkeypatch):
    def broken_parser(document):
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr("papers.enrichment.crossref.read_work", broken_parser)
    Paper.objects.create(doi="10.1000/second")

    report, _, problems = run(CrossrefSource(), [("crossref", recorded("crossref_work.json"))])

    assert report.outcomes == {Outcome.FAILED: 2}
    assert "unreadable answer (TypeError(" in problems[0]


@pytest.mark.parametrize(("source", "route"), [(ArxivSource(), "export.arxiv.org"), (OpenAlexSource(), "openalex")])
def test_a_404_for_a_batch_url_fails_the_batch_rather_than_calling_papers_not_found(corpus, source, route):
    report, _, problems = run(source, [(route, answer(404, b"Not Found"))])

    assert Outcome.NOT_FOUND not in report.outcomes and report.outcomes[Outcome.FAILED] > 0
    assert "HTTP 404" in problems[0]
