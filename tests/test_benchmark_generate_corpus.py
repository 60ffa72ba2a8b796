import json
import statistics
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from benchmarks.corpus_generator import MAX_ABSTRACT_LENGTH, MIN_ABSTRACT_LENGTH, read_seed_abstracts
from papers.arxiv_ids import parse_arxiv_id
from papers.models import Paper

COUNT = 500


def generate(count=COUNT, **options) -> str:
    out = StringIO()
    call_command("generate_corpus", count, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def records():
    return [json.loads(line) for line in generate(seed=7).splitlines()]


def test_the_same_seed_gives_the_same_corpus():
    assert generate(seed=7) == generate(seed=7)


def test_another_seed_gives_another_corpus():
    assert generate(seed=7) != generate(seed=8)


def test_it_writes_one_json_record_a_line_with_the_importer_keys(records):
    assert len(records) == COUNT
    assert all(set(record) == {"arxiv_id", "abstract", "title", "authors", "categories"} for record in records)


def test_ids_are_valid_and_unique(records):
    ids = [parse_arxiv_id(record["arxiv_id"]) for record in records]
    assert len({arxiv_id.canonical for arxiv_id in ids}) == COUNT
    assert any(arxiv_id.version for arxiv_id in ids)
    assert all(arxiv_id.version is None or arxiv_id.version >= 1 for arxiv_id in ids)


def test_ids_spread_over_the_new_style_years(records):
    years = Counter(parse_arxiv_id(record["arxiv_id"]).submitted_month.year for record in records)
    assert set(range(2015, 2025)) <= set(years)
    assert min(years) >= 2010 and max(years) <= 2024
    # Recent years are busier, as on arXiv.
    assert years[2024] > years[2015]


def test_abstracts_have_realistic_lengths(records):
    lengths = [len(record["abstract"]) for record in records]
    assert min(lengths) >= MIN_ABSTRACT_LENGTH
    assert max(lengths) <= MAX_ABSTRACT_LENGTH
    assert 800 <= statistics.median(lengths) <= 2000
    assert sum(800 <= length <= 2000 for length in lengths) > COUNT * 0.6


def test_abstracts_are_recombined_seed_sentences_not_copies(records):
    seed = read_seed_abstracts()
    abstracts = [record["abstract"] for record in records]
    assert not set(abstracts) & set(seed)
    # Short seed abstracts allow fewer recombinations, so an occasional repeat is expected.
    assert len(set(abstracts)) >= COUNT * 0.99
    openings = {abstract.split(". ")[0] for abstract in seed}
    assert sum(abstract.split(". ")[0] in openings for abstract in abstracts) > COUNT * 0.9
    assert all("\n" not in abstract for abstract in abstracts)


def test_most_papers_have_a_title_and_authors(records):
    titled = [record for record in records if record["title"]]
    assert COUNT * 0.8 < len(titled) < COUNT
    assert all(1 <= len(record["authors"]) <= 8 for record in titled)
    assert all(record["authors"] == [] for record in records if not record["title"])
    assert len({record["title"] for record in titled}) > len(titled) * 0.9


def test_categories_are_skewed_towards_computational_linguistics(records):
    primaries = Counter(record["categories"][0] for record in records)
    assert primaries.most_common(1)[0][0] == "cs.CL"
    assert {"cs.LG", "cs.AI", "cs.CV"} <= set(primaries)
    assert all(len(set(record["categories"])) == len(record["categories"]) for record in records)


def test_the_arxiv_dump_format_matches_the_seed_file():
    lines = generate(count=20, seed=7, format="arxiv-dump").split("\n")
    assert lines[:8] == ["arxiv_id", "stringlengths", "9", "12", "abstract", "stringlengths", "431", "13.8k"]
    pairs = lines[8:]
    assert len(pairs) == 40
    jsonl = [json.loads(line) for line in generate(count=20, seed=7).splitlines()]
    assert pairs[0::2] == [record["arxiv_id"] for record in jsonl]
    assert pairs[1::2] == [record["abstract"] for record in jsonl]


def test_it_writes_to_a_file(tmp_path):
    path = tmp_path / "corpus.jsonl"
    call_command("generate_corpus", 30, output=path, seed=7, stdout=StringIO())
    assert path.read_text(encoding="utf-8") == generate(count=30, seed=7)


@pytest.mark.django_db
def test_the_corpus_imports_cleanly(tmp_path):
    path = tmp_path / "corpus.jsonl"
    call_command("generate_corpus", COUNT, output=path, seed=7, stdout=StringIO())
    call_command("import_papers", str(path), format="jsonl", stdout=StringIO(), stderr=StringIO())
    assert Paper.objects.count() == COUNT
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    paper = Paper.objects.get(arxiv_id=parse_arxiv_id(first["arxiv_id"]).canonical)
    assert paper.abstract == first["abstract"]
    assert paper.primary_category == first["categories"][0]


@pytest.mark.django_db
def test_the_arxiv_dump_imports_cleanly(tmp_path):
    path = tmp_path / "corpus.txt"
    call_command("generate_corpus", 50, output=path, seed=7, format="arxiv-dump", stdout=StringIO())
    call_command("import_papers", str(path), stdout=StringIO(), stderr=StringIO())
    assert Paper.objects.count() == 50
    assert not Paper.objects.exclude(title="").exists()
