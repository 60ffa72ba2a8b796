"""Files on disk are streamed: checked in a first pass, written chunk by chunk in a second, never read whole."""

import json
from pathlib import Path

import pytest

from papers.importers import import_files
from papers.importers import upsert as upsert_module
from papers.models import ImportBatch, Paper
from tests.importer_fixtures import database_snapshot


def jsonl(*rows) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


ROWS = [
    {"arxiv_id": "2401.00001v1", "title": "Sparse attention", "abstract": "First version."},
    {"arxiv_id": "2401.00002", "title": "Dense retrieval", "abstract": "Retrieval."},
    {"doi": "10.1000/journal.1", "title": "A journal paper", "abstract": "No preprint.", "year": 2021},
    {"arxiv_id": "2401.00003", "title": "Mixture of experts", "abstract": "Experts.", "doi": "10.1000/moe"},
    # The same paper again, newer: merged into the first, a chunk or more later.
    {"arxiv_id": "2401.00001v2", "title": "Sparse attention", "abstract": "Second version."},
    # The published version of 2401.00003, known by its DOI only: a duplicate of a paper an earlier chunk made.
    {"doi": "10.1000/MOE", "title": "Mixture of experts", "abstract": "Experts.", "venue": "JMLR"},
    {"title": "A paper with no id at all", "abstract": "Just text.", "year": 2020, "authors": ["Ada Lovelace"]},
]


def import_path(tmp_path, content: bytes, name="papers.jsonl", **options):
    path = tmp_path / name
    path.write_bytes(content)
    return import_files([(name, path)], **options)


@pytest.mark.django_db
class TestChunks:
    def test_a_later_chunk_finds_the_papers_an_earlier_chunk_created(self, tmp_path, monkeypatch):
        monkeypatch.setattr(upsert_module, "WRITE_CHUNK", 2)

        report = import_path(tmp_path, jsonl(*ROWS))

        assert report.ok, report.errors
        file = report.files[0]
        assert (file.record_count, file.created, file.skipped, file.duplicates) == (7, 5, 1, 1)
        assert Paper.objects.count() == 5
        sparse = Paper.objects.get(arxiv_id="2401.00001")
        assert (sparse.version, sparse.abstract) == (2, "Second version.")
        assert Paper.objects.get(arxiv_id="2401.00003").venue == "JMLR"
        assert ImportBatch.objects.get().papers.count() == 5

    def test_chunks_give_the_same_papers_and_counts_as_one_chunk(self, tmp_path, monkeypatch, django_db_blocker):
        whole = import_path(tmp_path, jsonl(*ROWS), dry_run=True)
        monkeypatch.setattr(upsert_module, "WRITE_CHUNK", 2)
        chunked = import_path(tmp_path, jsonl(*ROWS), dry_run=True)

        assert [whole.created, whole.updated, whole.unchanged, whole.skipped, whole.duplicates] == [
            chunked.created,
            chunked.updated,
            chunked.unchanged,
            chunked.skipped,
            chunked.duplicates,
        ]

    def test_an_error_in_the_last_chunk_writes_nothing_and_every_problem_is_listed(self, tmp_path, monkeypatch):
        monkeypatch.setattr(upsert_module, "WRITE_CHUNK", 2)
        monkeypatch.setattr(upsert_module, "CHECK_CHUNK", 2)
        before = database_snapshot()
        content = jsonl(*ROWS) + b'{"arxiv_id": "not an id", "abstract": "x"}\n' + jsonl(*ROWS) + b"{broken\n"

        report = import_path(tmp_path, content)

        assert [str(problem).split(": ", 1)[0] for problem in report.errors] == ["papers.jsonl:8", "papers.jsonl:16"]
        assert database_snapshot() == before

    def test_skip_invalid_leaves_out_the_same_records_when_streaming(self, tmp_path, monkeypatch):
        monkeypatch.setattr(upsert_module, "WRITE_CHUNK", 2)
        monkeypatch.setattr(upsert_module, "CHECK_CHUNK", 2)
        content = jsonl(*ROWS[:2]) + b'{"doi": "10.1/x"}\n' + jsonl(ROWS[2]) + b"{broken\n"

        report = import_path(tmp_path, content, skip_invalid=True)

        assert report.ok
        assert [str(warning).split(": ")[0] for warning in report.warnings] == ["papers.jsonl:3", "papers.jsonl:5"]
        assert (report.files[0].record_count, report.created, report.skipped) == (5, 3, 2)


@pytest.mark.django_db
class TestStreaming:
    def test_a_utf8_file_on_disk_is_never_read_whole(self, tmp_path, monkeypatch):
        def refuse(self):
            raise AssertionError(f"{self} read whole")

        monkeypatch.setattr(Path, "read_bytes", refuse)
        monkeypatch.setattr(Path, "read_text", refuse)

        report = import_path(tmp_path, b"\xef\xbb\xbf" + jsonl(*ROWS[:3]))

        assert report.ok, report.errors
        assert report.created == 3

    def test_progress_counts_the_bytes_checked_then_the_records_written(self, tmp_path):
        seen = []
        content = jsonl(*ROWS)

        import_path(tmp_path, content, on_progress=lambda phase, done, total: seen.append((phase, done, total)))

        assert seen[0][0] == "checking"
        assert ("checking", len(content), len(content)) in seen
        assert seen[-1] == ("writing", 7, 7)
        assert [phase for phase, _done, _total in seen] == sorted(phase for phase, _done, _total in seen)

    def test_a_file_that_is_not_utf8_half_way_is_read_again_whole_in_its_encoding(self, tmp_path):
        content = "TY  - JOUR\nTI  - Étude de cas\nAB  - Résumé.\nER  - \n".encode("cp1252")

        report = import_path(tmp_path, content, name="latin1.ris")

        assert report.ok, report.errors
        assert Paper.objects.get().title == "Étude de cas"
        assert "Windows-1252" in str(report.notes[0])

    def test_a_csv_with_old_mac_line_endings_and_quoted_newlines_streams(self, tmp_path):
        content = b'title,abstract\r"Two\r\nlines",First.\rSecond title,Second.\r'

        # Detection reads the first line up to a \n; CR-only files are named by --format, as before.
        report = import_path(tmp_path, content, name="mac.csv", format="csv")

        assert report.ok, report.errors
        assert set(Paper.objects.values_list("title", "abstract")) == {
            ("Two lines", "First."),
            ("Second title", "Second."),
        }

    def test_a_csv_keeps_the_line_endings_inside_a_quoted_abstract(self, tmp_path):
        content = b'title,abstract\r\nT,"Line one\r\nline two"\r\n'

        import_path(tmp_path, content, name="crlf.csv")

        assert Paper.objects.get().abstract == "Line one\r\nline two"

    def test_the_sha256_is_the_whole_files(self, tmp_path):
        import hashlib

        content = jsonl(*ROWS[:2])

        import_path(tmp_path, content)

        assert ImportBatch.objects.get().sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.django_db
def test_a_file_that_stops_being_utf8_late_is_read_whole_from_the_start_and_counted_once(tmp_path):
    content = jsonl(*ROWS[:3]) + '{"title": "Caf\u00e9 society", "abstract": "Na\u00efve."}\n'.encode("cp1252")

    report = import_path(tmp_path, content)

    assert report.ok, report.errors
    assert (report.files[0].record_count, report.created, report.skipped) == (4, 4, 0)
    assert Paper.objects.filter(title="Café society").exists()


def test_the_set_of_touched_paper_ids_holds_exactly_the_ids_added():
    touched = upsert_module.PaperIdSet()

    touched.update([1, 8, 9, 1_000_003])
    touched.update(range(500, 600))

    assert all(paper_id in touched for paper_id in [1, 8, 9, 1_000_003, 500, 599])
    assert not any(paper_id in touched for paper_id in [0, 2, 7, 10, 499, 600, 1_000_002, 1_000_004, 10**9])


@pytest.mark.django_db(transaction=True)
def test_files_are_checked_outside_the_transaction_and_written_inside_it(tmp_path):
    from django.db import connection

    seen = []

    import_path(tmp_path, jsonl(*ROWS), on_progress=lambda phase, *_: seen.append((phase, connection.in_atomic_block)))

    assert {in_transaction for phase, in_transaction in seen if phase == "checking"} == {False}
    assert ("writing", False) in seen  # announced before the transaction opens
    assert ("writing", True) in seen
