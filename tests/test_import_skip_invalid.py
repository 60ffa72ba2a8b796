"""``--skip-invalid``: the records with a problem are left out and listed; a file that cannot be read still fails."""

import pytest

from papers.importers import import_files
from papers.models import ImportBatch, Paper
from tests.importer_fixtures import database_snapshot, run_import_papers, seed_corpus, write_file  # noqa: F401

MIXED_JSONL = (
    '{"doi": "10.1000/a", "title": "Kept first"}\n'
    '{"doi": "10.1000/b", "abstract": "  "}\n'
    '{"arxiv_id": "2213.00001", "abstract": "Month thirteen."}\n'
    '{"title": "Broken\n'
    '{"pmid": "123", "abstract": "Kept last."}\n'
)


def test_by_default_one_unusable_record_fails_the_file(db, tmp_path):
    result = run_import_papers(write_file(tmp_path, "mixed.jsonl", MIXED_JSONL))

    assert result.exit_code != 0
    assert f"{tmp_path}/mixed.jsonl:2: missing title and abstract" in result.stderr
    assert "--skip-invalid imports the other records" in result.stderr
    assert Paper.objects.count() == 0


def test_skip_invalid_imports_the_rest_and_lists_each_record_left_out(db, tmp_path):
    path = write_file(tmp_path, "mixed.jsonl", MIXED_JSONL)

    result = run_import_papers(path, "--skip-invalid")

    assert result.exit_code == 0, result.stderr
    assert set(Paper.objects.values_list("title", "pmid")) == {("Kept first", ""), ("", "123")}
    assert f"{path}:2: skipped: missing title and abstract" in result.stderr
    assert f"{path}:3: skipped: malformed arXiv id '2213.00001'" in result.stderr
    assert f"{path}:4: skipped: broken JSON line" in result.stderr
    assert "2 created, 0 updated, 0 unchanged, 3 skipped" in result.stdout
    batch = ImportBatch.objects.get()
    assert (batch.record_count, batch.created_count, batch.skipped_count) == (5, 2, 3)


def test_skip_invalid_gives_one_line_per_record_however_many_problems_it_has(db):
    content = b'{"title": "Fine"}\n{"title": "A\\u0000", "url": "javascript:alert(1)"}\n'

    report = import_files([("two.jsonl", content)], skip_invalid=True)

    assert report.ok
    assert [str(warning) for warning in report.warnings] == [
        "two.jsonl:2: skipped: title of “A\x00” contains \\x00 at character 2: NUL characters cannot be stored; "
        "url of “A\x00” is not an http(s) address: 'javascript:alert(1)'".replace("\x00", "\\x00")
    ]
    assert Paper.objects.get().title == "Fine"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"Some notes.\n", "notes.txt:1: unknown format"),
        ("papers.csv", b"arxiv_id,summary\n2201.11903,x\n", "papers.csv:1: missing CSV column title or abstract"),
        ("refs.csv", b'title,abstract\nA,"never closed\nB,b\n', "refs.csv:2: broken CSV: unexpected end of data"),
        ("cut.csv", "title\nx\n".encode("utf-16")[:-1], "cut.csv:1: not valid UTF-16"),
    ],
)
def test_a_file_that_cannot_be_read_still_fails_with_skip_invalid(db, tmp_path, name, content, expected):
    result = run_import_papers(write_file(tmp_path, name, content), "--skip-invalid")

    assert result.exit_code != 0
    assert f"{tmp_path}/{expected}" in result.stderr
    assert Paper.objects.count() == 0


def test_skip_invalid_skips_broken_entries_of_bibtex_ris_and_medline(db, tmp_path):
    bib = write_file(
        tmp_path,
        "refs.bib",
        "@article{a,\n  title = {Unclosed,\n  year = {2020}\n\n@article{b,\n  title = {Good},\n  year = {2021}\n}\n",
    )
    ris = write_file(tmp_path, "refs.ris", "TY  - JOUR\nTI  - Good RIS\nER  - \n\nTY  - JOUR\nTI  - Cut off\n")
    nbib = write_file(tmp_path, "refs.nbib", "PMID- 1\nTI  - Good MEDLINE\n\nPMID- x\nTI  - Bad id\n")

    result = run_import_papers(bib, ris, nbib, "--skip-invalid")

    assert result.exit_code == 0, result.stderr
    assert set(Paper.objects.values_list("title", flat=True)) == {"Good", "Good RIS", "Good MEDLINE"}
    assert f"{bib}:1: skipped: unparseable BibTeX entry" in result.stderr
    assert f"{ris}:5: skipped: truncated record" in result.stderr
    assert f"{nbib}:4: skipped: malformed PubMed id 'x'" in result.stderr


@pytest.mark.usefixtures("seed_corpus")
def test_a_dry_run_with_skip_invalid_counts_and_writes_nothing(tmp_path):
    before = database_snapshot()

    result = run_import_papers(write_file(tmp_path, "mixed.jsonl", MIXED_JSONL), "--skip-invalid", "--dry-run")

    assert result.exit_code == 0, result.stderr
    assert "Would import 1 file(s): 2 created, 0 updated, 0 unchanged, 3 skipped" in result.stdout
    assert database_snapshot() == before
