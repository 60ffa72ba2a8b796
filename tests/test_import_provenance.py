"""Where a paper came from: each distinct file once, however often it is re-imported."""

from django.urls import reverse

from papers.models import ImportBatch, Paper
from tests.factories import make_user
from tests.importer_fixtures import DATA, SEED, run_import_papers

SEED_PAPER = "2212.10544"


def provenance_lines(client, arxiv_id):
    page = client.get(reverse("papers:detail", args=[arxiv_id])).text
    section = page.split('id="provenance-heading"', 1)[1].split("</section>", 1)[0]
    return section.count("<li>")


def test_reimporting_the_same_file_keeps_one_provenance_line(client, db):
    client.force_login(make_user("reader"))
    for _ in range(3):
        assert run_import_papers(SEED).exit_code == 0

    sources = Paper.objects.get(arxiv_id=SEED_PAPER).import_sources()

    assert len(sources) == 1
    assert sources[0].first == ImportBatch.objects.order_by("imported_at", "pk").first()
    assert sources[0].reimports == 2
    assert provenance_lines(client, SEED_PAPER) == 1


def test_a_different_file_touching_the_paper_adds_its_own_line(client, db):
    client.force_login(make_user("reader"))
    run_import_papers(SEED)
    run_import_papers(DATA / "arxiv_misc.bib")
    run_import_papers(SEED)

    sources = Paper.objects.get(arxiv_id=SEED_PAPER).import_sources()

    assert [source.first.format for source in sources] == ["arxiv-dump", "bibtex"]
    assert [source.reimports for source in sources] == [1, 0]
    assert provenance_lines(client, SEED_PAPER) == 2


def test_every_batch_still_lists_every_paper_of_its_file(db):
    # add_to_review --batch latest after a re-import must still find the file's papers.
    run_import_papers(SEED)
    run_import_papers(SEED)

    latest = ImportBatch.objects.order_by("-imported_at", "-pk").first()

    assert latest.papers.count() == 100
