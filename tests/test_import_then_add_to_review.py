"""``add_to_review --ids FILE`` after an import: the file may name papers by any id they have."""

import pytest
from django.core.management import CommandError, call_command

from papers.models import Paper
from tests.factories import make_review
from tests.importer_fixtures import DATA, run_import_papers


@pytest.fixture
def corpus(db):
    for name in ("pubmed.nbib", "zotero_library.bib"):
        assert run_import_papers(DATA / name).exit_code == 0
    return make_review("survey")


def test_ids_files_name_papers_by_arxiv_id_doi_pubmed_id_or_key(corpus, tmp_path, capsys):
    book = Paper.objects.get(title="The Elements of Statistical Learning")
    ids = tmp_path / "ids.txt"
    ids.write_text(
        "2105.01234v2\n"  # arXiv id, versioned
        "https://doi.org/10.1002/SIM.7777\n"  # a DOI as a link, in upper case
        "PMID: 9876543\n"
        "35000001\n"  # a bare PubMed id
        f"paper-{book.pk}\n"
    )

    call_command("add_to_review", "survey", "--ids", str(ids))

    titles = set(corpus.review_papers.values_list("paper__title", flat=True))
    assert titles == {
        "Multi-Task Learning with Shared Encoders",
        "A Second Paper Under the Same Citation Key",
        "The streptomycin trial in pulmonary tuberculosis.",
        "A record PubMed has only a title for.",
        "The Elements of Statistical Learning",
    }
    assert "Added 5 paper(s)" in capsys.readouterr().out


def test_an_id_not_in_the_corpus_adds_nothing_and_is_named(corpus, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("PMID:31234567\n10.9999/missing\nPMID:1\npaper-999999\n")

    with pytest.raises(CommandError) as error:
        call_command("add_to_review", "survey", "--ids", str(ids))

    assert "3 id(s) are not in the corpus (import them first): PMID:1, doi:10.9999/missing, paper-999999" in str(
        error.value
    )
    assert not corpus.review_papers.exists()


def test_a_line_that_is_no_id_is_refused_with_its_line(corpus, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("PMID:31234567\nnot an id\n")

    with pytest.raises(CommandError, match=r"ids.txt:2: malformed arXiv id .*nor is it a DOI, a PubMed id or a paper"):
        call_command("add_to_review", "survey", "--ids", str(ids))

    assert not corpus.review_papers.exists()
