import datetime
import hashlib

import pytest

from papers.models import ImportBatch, Paper
from tests.importer_fixtures import DATA, run_import_papers, seed_corpus, write_file  # noqa: F401


def test_jsonl_imports_every_column(db):
    result = run_import_papers(DATA / "papers.jsonl")

    assert result.exit_code == 0, result.stderr
    paper = Paper.objects.get(arxiv_id="2201.11903")
    assert paper.version == 2
    assert paper.title == "Chain-of-Thought Prompting"
    assert paper.authors == ["Jason Wei", "Xuezhi Wang"]
    assert paper.primary_category == "cs.CL"
    # DOIs are case-insensitive and stored in lower case (papers/identity.py).
    assert paper.doi == "10.48550/arxiv.2201.11903"
    assert paper.url == "https://arxiv.org/abs/2201.11903v2"
    assert paper.year == 2022
    assert paper.extra == {"categories": ["cs.CL", "cs.AI"]}
    assert "3 created" in result.stdout


def test_jsonl_keeps_old_style_ids_and_splits_author_strings(db):
    run_import_papers(DATA / "papers.jsonl")

    maldacena = Paper.objects.get(arxiv_id="hep-th/9711200")
    assert maldacena.submitted_month == datetime.date(1997, 11, 1)
    assert maldacena.abstract.startswith("We show that the large N limit of certain conformal field theories\nin")
    perelman = Paper.objects.get(arxiv_id="math.GT/0309136")
    assert perelman.authors == ["Grisha Perelman", "Someone Else"]
    assert perelman.primary_category == "math.DG"


def test_csv_reads_quoted_multiline_abstracts_and_json_author_lists(db):
    result = run_import_papers(DATA / "papers.csv")

    assert result.exit_code == 0, result.stderr
    attention = Paper.objects.get(arxiv_id="1706.03762")
    assert attention.version == 5
    assert attention.abstract == "The dominant sequence transduction models\nare based on complex recurrent networks."
    assert attention.authors == ["Ashish Vaswani", "Noam Shazeer"]
    assert Paper.objects.get(arxiv_id="2201.11903").authors == ["Jason Wei", "Xuezhi Wang"]
    assert Paper.objects.get(arxiv_id="hep-th/9711200").title == ""


def test_arxiv_bibtex_misc_entries_give_clean_titles_and_authors(db):
    result = run_import_papers(DATA / "arxiv_misc.bib")

    assert result.exit_code == 0, result.stderr
    paper = Paper.objects.get(arxiv_id="2305.06500")
    assert paper.title == "InstructBLIP: Towards General-purpose Vision-Language Models with Instruction Tuning"
    assert paper.authors[:2] == ["Wenliang Dai", "Junnan Li"]
    assert paper.primary_category == "cs.CV"
    assert paper.abstract == ""


def test_bibtex_articles_find_ids_in_journal_doi_eprint_and_url_and_keep_the_rest(db):
    result = run_import_papers(DATA / "articles.bib")

    assert result.exit_code == 0, result.stderr
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {
        "1810.04805",
        "hep-th/9711200",
        "1706.03762",
        "math/0303109",
        "",
    }
    assert Paper.objects.get(arxiv_id="1810.04805").authors[0] == "Jacob Devlin"
    maldacena = Paper.objects.get(arxiv_id="hep-th/9711200")
    assert maldacena.authors == ["Juan Martín Maldacena"]
    assert (maldacena.venue, maldacena.year, maldacena.doi) == (
        "International Journal of Theoretical Physics",
        1999,
        "10.1023/a:1026654312961",
    )
    assert "Łukasz Kaiser" in Paper.objects.get(arxiv_id="1706.03762").authors
    # An entry without an arXiv id is a paper like any other, known by its title, year and first author.
    thurston = Paper.objects.get(arxiv_id="")
    assert thurston.title == "Three dimensional manifolds, Kleinian groups and hyperbolic geometry"
    assert (thurston.venue, thurston.year, thurston.month) == (
        "Bulletin of the American Mathematical Society",
        1982,
        None,
    )
    assert thurston.extra == {
        "type": "article",
        "citation_key": "thurston1982three",
        "volume": "6",
        "issue": "3",
        "pages": "357–381",
    }
    assert "skipped" not in result.stderr
    assert "5 created, 0 updated, 0 unchanged, 0 skipped" in result.stdout


def test_zotero_ris_finds_ids_in_links_and_notes_and_keeps_books(db):
    result = run_import_papers(DATA / "zotero.ris")

    assert result.exit_code == 0, result.stderr
    attention = Paper.objects.get(arxiv_id="1706.03762")
    assert attention.title == "Attention Is All You Need"
    assert attention.authors == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]
    assert attention.abstract.startswith("The dominant sequence transduction models")
    assert (attention.year, attention.month) == (2017, 6)
    assert attention.extra["keywords"] == [
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
    ]
    assert Paper.objects.get(arxiv_id="2201.11903").version == 6
    book = Paper.objects.get(title="Speech and Language Processing")
    assert (book.arxiv_id, book.year, book.extra["type"], book.extra["publisher"]) == (
        "",
        2009,
        "BOOK",
        "Prentice Hall",
    )
    assert book.authors == ["Daniel Jurafsky", "James H. Martin"]
    assert "skipped" not in result.stderr


@pytest.mark.usefixtures("seed_corpus")
def test_bibtex_adds_titles_and_authors_to_seed_papers_without_blanking_abstracts(db):
    abstract_before = Paper.objects.get(arxiv_id="2212.10544").abstract

    result = run_import_papers(DATA / "arxiv_misc.bib")

    assert "0 created, 3 updated, 0 unchanged" in result.stdout
    paper = Paper.objects.get(arxiv_id="2212.10544")
    assert paper.title == "Pretraining Without Attention"
    assert paper.authors == ["Junxiong Wang", "Jing Nathan Yan", "Albert Gu", "Alexander M. Rush"]
    assert paper.abstract == abstract_before


@pytest.mark.usefixtures("seed_corpus")
def test_a_newer_version_replaces_the_abstract(tmp_path):
    path = write_file(tmp_path, "v4.jsonl", '{"arxiv_id": "2210.13966v4", "abstract": "Revised abstract."}\n')

    result = run_import_papers(path)

    paper = Paper.objects.get(arxiv_id="2210.13966")
    assert (paper.version, paper.abstract) == (4, "Revised abstract.")
    assert "0 created, 1 updated" in result.stdout


@pytest.mark.usefixtures("seed_corpus")
def test_an_older_or_unversioned_record_never_replaces_the_abstract(tmp_path):
    original = Paper.objects.get(arxiv_id="2210.13966").abstract
    path = write_file(
        tmp_path,
        "old.jsonl",
        '{"arxiv_id": "2210.13966v1", "abstract": "Old abstract.", "title": "Old title"}\n'
        '{"arxiv_id": "2212.10544", "abstract": "Unversioned rewrite."}\n',
    )

    result = run_import_papers(path)

    paper = Paper.objects.get(arxiv_id="2210.13966")
    assert (paper.version, paper.abstract) == (3, original)
    assert paper.title == "Old title"  # an older record still fills a blank field
    assert Paper.objects.get(arxiv_id="2212.10544").abstract != "Unversioned rewrite."
    assert "1 updated, 1 unchanged" in result.stdout


@pytest.mark.usefixtures("seed_corpus")
def test_a_version_fills_in_when_the_paper_had_none(tmp_path):
    path = write_file(tmp_path, "v2.jsonl", '{"arxiv_id": "2212.10544v2", "abstract": "Second version."}\n')

    run_import_papers(path)

    paper = Paper.objects.get(arxiv_id="2212.10544")
    assert (paper.version, paper.abstract) == (2, "Second version.")


def test_duplicate_ids_in_one_file_keep_the_highest_version_and_count_as_skipped(db, tmp_path):
    path = write_file(
        tmp_path,
        "dupes.jsonl",
        '{"arxiv_id": "2201.11903v1", "abstract": "First."}\n'
        '{"arxiv_id": "2201.11903v3", "abstract": "Third.", "title": "CoT"}\n'
        '{"arxiv_id": "2201.11903v2", "abstract": "Second."}\n',
    )

    result = run_import_papers(path)

    paper = Paper.objects.get()
    assert (paper.version, paper.abstract, paper.title) == (3, "Third.", "CoT")
    assert "1 created, 0 updated, 0 unchanged, 2 skipped" in result.stdout


@pytest.mark.usefixtures("seed_corpus")
def test_a_dry_run_reports_counts_and_writes_nothing(db):
    before = Paper.objects.count(), ImportBatch.objects.count()

    result = run_import_papers(DATA / "arxiv_misc.bib", "--dry-run")

    assert result.exit_code == 0
    assert "Dry run, nothing written" in result.stdout
    assert "0 created, 3 updated" in result.stdout
    assert (Paper.objects.count(), ImportBatch.objects.count()) == before
    assert Paper.objects.get(arxiv_id="2212.10544").title == ""


@pytest.mark.usefixtures("seed_corpus")
def test_each_file_is_recorded_as_a_batch_with_its_sha256_and_counts(db):
    run_import_papers(DATA / "zotero.ris", DATA / "papers.csv")

    ris, csv = ImportBatch.objects.order_by("id")[1:]
    assert ris.format == "ris"
    assert ris.sha256 == hashlib.sha256((DATA / "zotero.ris").read_bytes()).hexdigest()
    assert (ris.record_count, ris.created_count, ris.skipped_count) == (3, 2, 0)
    assert (csv.format, csv.created_count, csv.updated_count) == ("csv", 1, 2)
    assert set(csv.papers.values_list("arxiv_id", flat=True)) == {"2201.11903", "1706.03762", "hep-th/9711200"}


def test_an_explicit_format_is_used_instead_of_detection(db):
    result = run_import_papers(DATA / "papers.jsonl", "--format", "csv")

    assert result.exit_code != 0
    assert "papers.jsonl:1: missing CSV column title or abstract" in result.stderr


def test_an_arxiv_id_cited_in_a_ris_abstract_is_not_taken_for_the_papers_own(db, tmp_path):
    attention = Paper.objects.create(arxiv_id="1706.03762", abstract="Attention is all you need.", title="Attn")
    ris = (
        "TY  - JOUR\n"
        "TI  - Longer Transformers\n"
        "AU  - Doe, Jane\n"
        "AB  - We extend the Transformer (arXiv:1706.03762) to long inputs.\n"
        "DO  - 10.1000/journal.42\n"
        "ER  - \n"
    )

    result = run_import_papers(write_file(tmp_path, "cites.ris", ris))

    attention.refresh_from_db()
    assert result.exit_code == 0, result.stderr
    assert attention.title == "Attn"
    longer = Paper.objects.exclude(pk=attention.pk).get()
    assert (longer.arxiv_id, longer.doi, longer.title) == ("", "10.1000/journal.42", "Longer Transformers")
