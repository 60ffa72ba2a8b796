"""A paper is known by the best id it has; records of one paper become one paper, whichever ids they carry."""

import json

import pytest
from django.urls import reverse

from papers.identity import first_author_key, normalize_doi, normalize_pmid, title_key
from papers.importers import import_files
from papers.importers.matching import same_paper
from papers.importers.records import PaperRecord
from papers.models import ImportBatch, Paper
from reviews.models import Role
from tests.factories import logged_in, make_paper, make_review, make_user


def jsonl(*rows) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def test_identifiers_have_one_normal_form():
    assert normalize_doi("https://doi.org/10.1000/ABC.123") == "10.1000/abc.123"
    assert normalize_doi("doi:10.1000/xyz.") == "10.1000/xyz"
    assert normalize_doi("DOI 10.1000/xyz") == "10.1000/xyz"
    assert normalize_doi("not a doi") == ""
    assert normalize_pmid("PMID: 00012345") == "12345"
    assert normalize_pmid("https://pubmed.ncbi.nlm.nih.gov/31452104/") == "31452104"
    assert normalize_pmid("0") == ""
    assert normalize_pmid("12a") == ""
    assert title_key("The {B}ERT Model: Pre-training, revisited!") == "the bert model pre training revisited"
    assert title_key("Étude des réseaux") == title_key("Etude des reseaux")
    assert first_author_key(["Vaswani, Ashish"]) == first_author_key(["Ashish Vaswani"]) == "vaswani"


def test_the_first_id_both_records_have_decides():
    published = PaperRecord(doi="10.1000/a", title="Attention", year=2017, authors=["A. Vaswani"])
    erratum = PaperRecord(doi="10.1000/b", title="Attention", year=2017, authors=["A. Vaswani"])
    untitled_same_doi = PaperRecord(doi="10.1000/a", title="Something else entirely")
    preprint = PaperRecord(arxiv_id="1706.03762", doi="10.1000/a")
    other_preprint = PaperRecord(arxiv_id="1706.99999", doi="10.1000/a")

    assert not same_paper(published, erratum)  # same title, different DOIs: an erratum is another paper
    assert same_paper(published, untitled_same_doi)
    assert same_paper(published, preprint)
    assert not same_paper(preprint, other_preprint)  # different arXiv ids outrank the shared DOI


def test_titles_decide_only_with_year_and_first_author():
    record = PaperRecord(title="A Study of Things", year=2020, authors=["Jane Doe"])
    assert same_paper(record, PaperRecord(title="A study of things.", year=2020, authors=["Doe, Jane"]))
    assert not same_paper(record, PaperRecord(title="A Study of Things", year=2021, authors=["Jane Doe"]))
    assert not same_paper(record, PaperRecord(title="A Study of Things", year=2020, authors=["John Roe"]))


def test_records_without_an_arxiv_id_become_papers_with_all_they_have(db):
    report = import_files(
        [
            (
                "search.jsonl",
                jsonl(
                    {"doi": "https://doi.org/10.1000/J.X.1", "title": "Bone loss", "abstract": "We studied bones."},
                    {"pmid": "12345", "title": "Hormones", "year": 2002, "venue": "Lancet"},
                    {"title": "No ids at all", "year": "1948/07//", "authors": "Ann Smith; Bo Li"},
                ),
            )
        ]
    )

    assert report.ok, report.errors
    assert report.created == 3
    by_doi = Paper.objects.get(doi="10.1000/j.x.1")
    assert by_doi.arxiv_id == "" and by_doi.key == f"paper-{by_doi.pk}"
    assert by_doi.display_id == "doi:10.1000/j.x.1"
    by_pmid = Paper.objects.get(pmid="12345")
    assert (by_pmid.venue, by_pmid.year, by_pmid.date_label) == ("Lancet", 2002, "2002")
    plain = Paper.objects.get(title="No ids at all")
    assert plain.year == 1948 and plain.authors == ["Ann Smith", "Bo Li"]
    assert plain.title_key == "no ids at all"


def test_a_published_record_of_an_arxiv_paper_merges_into_it_and_counts_as_a_duplicate(db):
    import_files(
        [("arxiv.jsonl", jsonl({"arxiv_id": "1706.03762", "abstract": "Transformers.", "doi": "10.1000/nips"}))]
    )

    report = import_files(
        [("scopus.jsonl", jsonl({"doi": "10.1000/NIPS", "title": "Attention is all you need", "venue": "NeurIPS"}))]
    )

    assert report.ok and (report.created, report.updated, report.duplicates) == (0, 1, 1)
    paper = Paper.objects.get()
    assert (paper.arxiv_id, paper.title, paper.venue, paper.abstract) == (
        "1706.03762",
        "Attention is all you need",
        "NeurIPS",
        "Transformers.",
    )
    assert ImportBatch.objects.get(file_name="scopus.jsonl").duplicate_count == 1
    assert "1 duplicate(s) merged" in report.summary_lines()[-1]


def test_the_same_file_again_is_unchanged_not_duplicated(db):
    data = jsonl({"doi": "10.1000/a", "title": "One"}, {"title": "Two", "year": 2001, "authors": ["X Y"]})
    import_files([("a.jsonl", data)])

    report = import_files([("a.jsonl", data)])

    assert (report.created, report.unchanged, report.duplicates) == (0, 2, 0)
    assert Paper.objects.count() == 2


def test_records_of_one_paper_within_a_file_become_one_paper(db):
    report = import_files(
        [
            (
                "mixed.jsonl",
                jsonl(
                    {"doi": "10.1000/a", "title": "One", "abstract": "First."},
                    {"doi": "https://doi.org/10.1000/A", "title": "One", "venue": "Journal"},
                    {"pmid": "77", "doi": "10.1000/a", "title": "One"},
                ),
            )
        ]
    )

    assert report.ok and report.created == 1
    paper = Paper.objects.get()
    assert (paper.abstract, paper.venue, paper.pmid) == ("First.", "Journal", "77")


def test_an_arxiv_id_arriving_later_rekeys_the_paper_and_keeps_its_old_address(db, client):
    import_files([("doi.jsonl", jsonl({"doi": "10.1000/a", "title": "One", "abstract": "Text."}))])
    paper = Paper.objects.get()
    old_key = paper.key

    import_files([("arxiv.jsonl", jsonl({"arxiv_id": "2201.11903v2", "doi": "10.1000/a", "abstract": "Text."}))])

    paper.refresh_from_db()
    assert (paper.arxiv_id, paper.version, paper.key) == ("2201.11903", 2, "2201.11903")
    assert paper.submitted_month.isoformat() == "2022-01-01"
    logged_in(client, make_user("ann"))
    assert client.get(reverse("papers:detail", args=[old_key])).status_code == 200
    assert client.get(reverse("papers:detail", args=["2201.11903"])).status_code == 200


def test_a_paper_without_an_arxiv_id_has_pages_in_the_corpus_and_in_a_review(db, client):
    import_files([("a.jsonl", jsonl({"pmid": "31452104", "title": "Hair cortisol", "venue": "Psych", "year": 2019}))])
    paper = Paper.objects.get()
    owner = make_user("olga")
    review = make_review(papers=[paper], members={owner: Role.OWNER})
    logged_in(client, owner)

    corpus_page = client.get(paper.get_absolute_url()).content.decode()
    review_page = client.get(reverse("reviews:paper", args=[review.slug, paper.key])).content.decode()
    listing = client.get(reverse("papers:list")).content.decode()

    assert "https://pubmed.ncbi.nlm.nih.gov/31452104/" in corpus_page
    assert "Psych, 2019" in corpus_page
    assert "PMID:31452104" in review_page
    assert paper.get_absolute_url() in listing


@pytest.mark.parametrize("key", ["paper-0", "paper-999999999999999999999", "paper-", "paper-12x", "2201.99999"])
def test_unknown_and_crafted_keys_are_not_found(db, client, key):
    logged_in(client, make_user("ann"))
    make_paper("2201.11903")

    assert client.get(reverse("papers:detail", args=[key])).status_code == 404


def test_papers_without_a_date_or_arxiv_id_still_have_one_stable_order(db):
    import_files([("a.jsonl", jsonl(*({"title": f"Untitled study {n}"} for n in range(30))))])

    first = list(Paper.objects.values_list("pk", flat=True))
    again = list(Paper.objects.values_list("pk", flat=True))

    assert first == again == sorted(first, reverse=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/2201.11903v2", "arxiv"),
        ("arXiv:2201.11903", "arxiv"),
        ("https://doi.org/10.1000/ABC", "doi"),
        ("PMID: 0031452104", "pmid"),
        ("junk\x00", None),
        ("9" * 60, None),
        ("' OR 1=1 --", None),
    ],
)
def test_one_id_however_written_names_its_paper(db, text, expected):
    papers = {
        "arxiv": make_paper("2201.11903"),
        "doi": Paper.objects.create(doi="10.1000/abc", title="D"),
        "pmid": Paper.objects.create(pmid="31452104", title="P"),
    }

    found = list(Paper.objects.named(text))

    assert found == ([papers[expected]] if expected else [])
