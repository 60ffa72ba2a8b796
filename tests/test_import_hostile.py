import itertools
import json
import os
import time

import pytest

from papers.importers.validation import MAX_TEXT_LENGTH
from papers.models import ImportBatch, Paper
from tests.hostile_inputs import HOSTILE_FILES
from tests.importer_fixtures import (  # noqa: F401 (seed_corpus is a fixture)
    database_snapshot,
    run_import_papers,
    seed_corpus,
    write_file,
)


@pytest.mark.usefixtures("seed_corpus")
@pytest.mark.parametrize(("name", "content", "expected"), HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_hostile_input_is_refused_with_its_line_and_nothing_is_written(tmp_path, name, content, expected):
    before = database_snapshot()
    path = write_file(tmp_path, name, content)

    result = run_import_papers(path)

    assert result.exit_code != 0
    assert f"{tmp_path}/{expected}" in result.stderr
    assert result.stderr.replace("\n", "").isprintable()
    assert database_snapshot() == before


def test_a_file_name_that_is_not_utf8_is_shown_and_stored_with_its_bytes_escaped(db, tmp_path):
    # The shell hands Python such a name with surrogates standing for the bytes it cannot decode.
    path = tmp_path / os.fsdecode(b"caf\xe9.jsonl")
    path.write_text('{"arxiv_id": "2201.11903", "abstract": "Fine."}\n')

    result = run_import_papers(path)

    assert result.exit_code == 0, result.stderr
    assert f"{tmp_path}/caf\\xe9.jsonl (jsonl, 1 records)" in result.stdout
    assert ImportBatch.objects.get().file_name == f"{tmp_path}/caf\\xe9.jsonl"


def test_a_bad_file_whose_name_is_not_utf8_is_reported_under_that_name(db, tmp_path):
    path = tmp_path / os.fsdecode(b"caf\xe9.jsonl")
    path.write_text('{"arxiv_id": "2213.00001", "abstract": "x"}\n')

    result = run_import_papers(path)

    assert result.exit_code != 0
    assert f"{tmp_path}/caf\\xe9.jsonl:1: malformed arXiv id" in result.stderr
    assert Paper.objects.count() == 0


def test_tab_newline_carriage_return_and_form_feed_are_kept(db, tmp_path):
    abstract = "Columns\tand lines\r\nand pages\x0cend."
    path = write_file(tmp_path, "papers.jsonl", json.dumps({"arxiv_id": "2201.11903", "abstract": abstract}))

    assert run_import_papers(path).exit_code == 0

    assert Paper.objects.get(arxiv_id="2201.11903").abstract == abstract


def test_a_byte_order_mark_opening_a_file_is_not_part_of_it(db, tmp_path):
    path = write_file(tmp_path, "papers.csv", "\ufeffarxiv_id,abstract\n2201.11903,Fine.\n")

    assert run_import_papers(path).exit_code == 0

    assert Paper.objects.get().abstract == "Fine."


def test_the_longest_abstract_and_title_allowed_fit_a_search_document(db, tmp_path):
    # Hyphenated compounds of words used nowhere else give PostgreSQL's tsvector the most lexemes per character.
    words = (f"w{number:x}" for number in itertools.count())

    def longest_text():
        return " ".join(f"{next(words)}-{next(words)}" for _ in range(MAX_TEXT_LENGTH // 8))[:MAX_TEXT_LENGTH]

    record = {"arxiv_id": "2201.11903", "abstract": longest_text(), "title": longest_text()}
    path = write_file(tmp_path, "long.jsonl", json.dumps(record))

    result = run_import_papers(path)

    assert result.exit_code == 0, result.stderr
    assert len(Paper.objects.get().abstract) == MAX_TEXT_LENGTH


def test_a_version_at_the_columns_limit_is_kept(db, tmp_path):
    path = write_file(tmp_path, "dump.txt", "2201.11903v32767\nAn abstract.\n")

    assert run_import_papers(path).exit_code == 0

    assert Paper.objects.get().version == 32767


def test_a_million_blank_lines_before_an_abstract_take_no_longer_than_reading_them(db, tmp_path):
    path = write_file(tmp_path, "dump.txt", "2201.11903\n" + "\n" * 1_000_000 + "An abstract.\n")
    started = time.monotonic()

    result = run_import_papers(path)

    # Removing the blank lines one by one from the front took over half a minute.
    assert time.monotonic() - started < 10
    assert result.exit_code == 0, result.stderr
    assert Paper.objects.get().abstract == "An abstract."
