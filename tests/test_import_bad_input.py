import pytest

from tests.importer_fixtures import (  # noqa: F401 (seed_corpus is a fixture)
    DATA,
    database_snapshot,
    run_import_papers,
    seed_corpus,
    write_file,
)

BAD_FILES = {
    "a script URL": (
        "papers.jsonl",
        '{"arxiv_id": "2201.11903", "abstract": "Fine.", "url": "javascript:alert(document.domain)"}\n',
        "papers.jsonl:1: url of 2201.11903 is not an http(s) address",
    ),
    "categories that are a number": (
        "papers.jsonl",
        '{"arxiv_id": "2201.11903", "abstract": "Fine."}\n'
        '{"arxiv_id": "2305.06500", "abstract": "x", "categories": 5}\n',
        "papers.jsonl:2: categories must be text or a list of text",
    ),
    "authors that are an object": (
        "papers.jsonl",
        '{"arxiv_id": "2201.11903", "abstract": "Fine.", "authors": {"name": "A"}}\n',
        "papers.jsonl:1: authors must be text or a list of text",
    ),
    "an old-style id with an absurd archive": (
        "papers.jsonl",
        '{"arxiv_id": "' + "a" * 40 + '/9711200", "abstract": "Fine."}\n',
        "papers.jsonl:1: malformed arXiv id",
    ),
    "a damaged byte in a UTF-8 file": (
        "damaged.csv",
        "arxiv_id,abstract\n2201.11903,Café crème.\n".encode() + b"2305.06500,Caf\xe9 au lait.\n",
        "damaged.csv:3: abstract of 2305.06500 contains \\udce9 at character 4: "
        "the file's byte 0xe9 here is not valid UTF-8",
    ),
    "malformed id in a dump": (
        "dump.txt",
        "2201.11903\nAn abstract.\n2213.00001\nAnother abstract.",
        "dump.txt:3: malformed arXiv id '2213.00001': month 13 does not exist",
    ),
    "id followed by another id": (
        "dump.txt",
        "2201.11903\n2305.06500\nAn abstract.",
        "dump.txt:1: truncated record: no abstract",
    ),
    "id at the end of the file": (
        "dump.txt",
        "2201.11903\nAn abstract.\n2305.06500\n",
        "dump.txt:3: truncated record: no abstract",
    ),
    "missing abstract in JSONL": (
        "papers.jsonl",
        '{"arxiv_id": "2201.11903", "abstract": "Fine."}\n{"arxiv_id": "2305.06500", "abstract": "  "}\n',
        "papers.jsonl:2: missing title and abstract for 2305.06500",
    ),
    "broken JSON line": (
        "papers.jsonl",
        '{"arxiv_id": "2201.11903", "abstract": "Fine."}\n\n{"arxiv_id": "2305.06500", "abstract": \n',
        "papers.jsonl:3: broken JSON line",
    ),
    "malformed id in JSONL": (
        "papers.jsonl",
        '{"arxiv_id": "2201.1190", "abstract": "Four digits."}\n',
        "papers.jsonl:1: malformed arXiv id '2201.1190'",
    ),
    "missing CSV column": (
        "papers.csv",
        "arxiv_id,summary\n2201.11903,Fine.\n",
        "papers.csv:1: missing CSV column title or abstract",
    ),
    "CSV record after a multi-line one": (
        "papers.csv",
        'arxiv_id,abstract\n2201.11903,"Two\nlines."\n2305.06500,\n',
        "papers.csv:4: missing title and abstract for 2305.06500",
    ),
    "unknown format": (
        "notes.txt",
        "Some notes about papers I should read.\n",
        "notes.txt:1: unknown format",
    ),
    "RIS reference without ER": (
        "refs.ris",
        "TY  - JOUR\nTI  - Fine\nUR  - https://arxiv.org/abs/2201.11903\nER  - \n\nTY  - JOUR\nTI  - Cut off\n",
        "refs.ris:6: truncated record",
    ),
    "malformed BibTeX eprint": (
        "refs.bib",
        "@misc{a,\n  title={A},\n  eprint={2201.11903},\n  archivePrefix={arXiv}\n}\n\n"
        "@misc{b,\n  title={B},\n  eprint={2213.0001},\n  archivePrefix={arXiv}\n}\n",
        "refs.bib:7: malformed arXiv id '2213.0001'",
    ),
    "unparseable BibTeX block": (
        "refs.bib",
        "@misc{a,\n  title = {Unclosed,\n  eprint = {2201.11903}\n\n@misc{b,\n  title={B},\n  eprint={2305.06500}\n}\n",
        "refs.bib:1: unparseable BibTeX entry",
    ),
}


@pytest.mark.usefixtures("seed_corpus")
@pytest.mark.parametrize(("name", "content", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_input_is_reported_with_its_line_and_nothing_is_written(tmp_path, name, content, expected):
    before = database_snapshot()
    path = write_file(tmp_path, name, content)

    result = run_import_papers(path)

    assert result.exit_code != 0
    assert f"{tmp_path}/{expected}" in result.stderr
    assert database_snapshot() == before


@pytest.mark.usefixtures("seed_corpus")
def test_one_bad_file_stops_the_good_ones_too_and_every_problem_is_listed(tmp_path):
    before = database_snapshot()
    bad = write_file(tmp_path, "bad.jsonl", '{"arxiv_id": "2213.00001", "abstract": "x"}\n{"arxiv_id": "nope"\n')

    result = run_import_papers(DATA / "papers.jsonl", bad, DATA / "arxiv_misc.bib")

    assert result.exit_code != 0
    assert f"{bad}:1: malformed arXiv id" in result.stderr
    assert f"{bad}:2: broken JSON line" in result.stderr
    assert "2 problem(s) in 1 file(s); nothing was imported" in result.stderr
    assert database_snapshot() == before


@pytest.mark.usefixtures("seed_corpus")
def test_a_missing_file_is_refused_before_anything_is_written(tmp_path):
    before = database_snapshot()

    result = run_import_papers(DATA / "papers.jsonl", tmp_path / "missing.jsonl")

    assert result.exit_code != 0
    assert "missing.jsonl: cannot read" in result.stderr
    assert database_snapshot() == before


def test_the_command_exits_with_status_1_from_the_shell(db, tmp_path):
    from django.core.management import ManagementUtility

    path = write_file(tmp_path, "notes.txt", "not papers\n")

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_papers", str(path)]).execute()

    assert exit_info.value.code == 1
