import datetime
import hashlib

import pytest

from papers.models import ImportBatch, Paper
from tests.importer_fixtures import (  # noqa: F401 (seed_corpus is a fixture)
    SEED,
    SEED_VERSIONED,
    run_import_papers,
    seed_corpus,
    seed_records,
    write_file,
)


@pytest.mark.usefixtures("seed_corpus")
def test_the_seed_corpus_imports_100_papers(db):
    assert Paper.objects.count() == 100
    assert ImportBatch.objects.get().created_count == 100


@pytest.mark.usefixtures("seed_corpus")
def test_versioned_seed_ids_keep_their_versions(db):
    versions = dict(Paper.objects.exclude(version=None).values_list("arxiv_id", "version"))
    assert versions == SEED_VERSIONED


@pytest.mark.usefixtures("seed_corpus")
def test_every_abstract_is_byte_identical_to_its_line_in_the_file(db):
    abstracts = dict(Paper.objects.values_list("arxiv_id", "abstract"))
    for id_line, abstract_line in seed_records():
        canonical = id_line.split("v")[0]
        assert abstracts[canonical].encode("utf-8") == abstract_line.encode("utf-8")


@pytest.mark.usefixtures("seed_corpus")
def test_submitted_month_is_set_from_the_id(db):
    assert not Paper.objects.filter(submitted_month=None).exists()
    assert Paper.objects.get(arxiv_id="2212.10544").submitted_month == datetime.date(2022, 12, 1)


@pytest.mark.usefixtures("seed_corpus")
def test_the_import_is_recorded_as_a_batch_linking_every_paper(db):
    batch = ImportBatch.objects.get()
    assert batch.file_name == str(SEED)
    assert batch.format == "arxiv-dump"
    assert batch.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert (batch.record_count, batch.created_count, batch.unchanged_count) == (100, 100, 0)
    assert batch.papers.count() == 100


@pytest.mark.usefixtures("seed_corpus")
def test_importing_the_seed_again_changes_nothing(db):
    before = list(Paper.objects.order_by("arxiv_id").values_list("arxiv_id", "version", "abstract", "updated_at"))

    result = run_import_papers(SEED)

    assert result.exit_code == 0
    assert "0 created, 0 updated, 100 unchanged, 0 skipped" in result.stdout
    after = list(Paper.objects.order_by("arxiv_id").values_list("arxiv_id", "version", "abstract", "updated_at"))
    assert after == before
    second = ImportBatch.objects.order_by("id").last()
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 100)
    assert second.papers.count() == 100


def rewrap(abstract: str) -> str:
    return abstract.replace(". ", ".\n")


def test_a_rewrapped_copy_keeps_abstracts_split_over_several_lines(db, tmp_path):
    header = "\n".join(SEED.read_text(encoding="utf-8").split("\n")[:8])
    wrapped = [id_line + "\n" + rewrap(abstract) + "\n" for id_line, abstract in seed_records()]
    path = write_file(tmp_path, "rewrapped.txt", header + "\n" + "\n".join(wrapped))

    result = run_import_papers(path)

    assert result.exit_code == 0, result.stderr
    assert Paper.objects.count() == 100
    for id_line, abstract in seed_records():
        paper = Paper.objects.get(arxiv_id=id_line.split("v")[0])
        assert paper.abstract == rewrap(abstract)


def test_crlf_line_endings_give_the_same_abstracts(db, tmp_path):
    path = write_file(tmp_path, "crlf.txt", SEED.read_bytes().replace(b"\n", b"\r\n"))

    assert run_import_papers(path).exit_code == 0

    abstracts = dict(Paper.objects.values_list("arxiv_id", "abstract"))
    assert all(abstracts[i.split("v")[0]] == abstract for i, abstract in seed_records())


def test_form_feeds_and_line_separators_inside_an_abstract_are_kept(db, tmp_path):
    abstract = "First part\x0csecond part\u2028third part\u0085end."
    path = write_file(tmp_path, "odd.txt", f"2201.11903\n{abstract}")

    assert run_import_papers(path).exit_code == 0

    assert Paper.objects.get(arxiv_id="2201.11903").abstract == abstract
