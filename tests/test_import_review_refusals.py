"""import_review FILE refuses a truncated, hand-edited or hostile archive with FILE:LINE: reason, writing nothing."""

import json

import pytest
from django.core.management import CommandError

from papers.models import ImportBatch, Paper
from reviews.models import Review
from tests.archive_review import rich, write_archive  # noqa: F401 - a fixture
from tests.dual_review import dual  # noqa: F401 - a fixture
from tests.test_import_review_archive import forget_review, lines_of, run, write_lines


@pytest.fixture
def archive(rich, tmp_path):  # noqa: F811
    path = tmp_path / "dual.jsonl"
    path.write_bytes(write_archive(rich.review))
    forget_review(rich.review)
    return path


def refused(path, *args) -> str:
    papers, batches = Paper.objects.count(), ImportBatch.objects.count()
    with pytest.raises(CommandError) as error:
        run(path, *args)
    assert not Review.objects.exists(), "nothing may be written"
    assert (Paper.objects.count(), ImportBatch.objects.count()) == (papers, batches)
    message = str(error.value)
    assert message.startswith("Nothing was imported:")
    return message


def first_paper_line(lines):
    return next(number for number, line in enumerate(lines) if line["type"] == "paper")


@pytest.mark.django_db
def test_a_truncated_archive_names_its_last_line(archive):
    lines = lines_of(archive)
    write_lines(archive, lines[:-2])
    total = len(lines) - 2
    message = refused(archive)
    assert f"dual.jsonl:{total}: the file ends after 7 paper and {len(lines) - 10} change lines" in message
    assert "truncated" in message


@pytest.mark.django_db
def test_a_file_cut_in_the_middle_of_a_line_is_refused(archive):
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    assert "dual.jsonl:" in refused(archive)


@pytest.mark.django_db
def test_hand_edited_counts_are_refused(archive):
    lines = lines_of(archive)
    lines[0]["papers"] -= 1
    write_lines(archive, lines)
    assert "dual.jsonl:8: expected a change line (type 'change'), found type \"paper\"" in refused(archive)
    lines[0]["papers"] += 1
    lines[0]["changes"] -= 1
    write_lines(archive, lines)
    assert "but the file goes on" in refused(archive)


@pytest.mark.django_db
def test_a_line_of_the_wrong_type_or_out_of_place(archive):
    lines = lines_of(archive)
    lines[3]["type"] = "comment"
    write_lines(archive, lines)
    assert "dual.jsonl:4: expected a paper line (type 'paper'), found type \"comment\"" in refused(archive)
    lines = lines_of(archive)
    lines[3]["type"] = "paper"
    lines[0], lines[1] = lines[1], lines[0]
    write_lines(archive, lines)
    assert "dual.jsonl:1: not a Marginalia review archive" in refused(archive)


@pytest.mark.django_db
def test_an_unknown_version_or_a_partial_scope_is_refused(archive):
    lines = lines_of(archive)
    lines[0]["version"] = 2
    write_lines(archive, lines)
    assert "dual.jsonl:1: unknown archive version 2" in refused(archive)
    lines[0]["version"], lines[0]["scope"] = 1, "as-seen-by:bob"
    write_lines(archive, lines)
    assert "only a full archive" in refused(archive)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda p: p["scores"].append({"user": "dan", "value": 10**30, "updated_at": p["added_at"]}),
         "].value 1000000000000000000000000000000 is out of range (1–5)"),
        (lambda p: p["decisions"][0].update(decision="yes"), 'decisions[1].decision "yes" is not one of'),
        (lambda p: p["decisions"][0].update(reason="Made up"), 'reason "Made up" is not one of the review\'s'),
        (lambda p: p["paper"].update(title="A\u0000B"), "paper.title contains \\x00"),
        (lambda p: p["paper"].update(year="2020"), "paper.year must be a whole number, not str"),
        (lambda p: p["paper"].update(year=True), "paper.year must be a whole number, not bool"),
        (lambda p: p["paper"].update(url="javascript:alert(1)"), "is not an http(s) address"),
        (lambda p: p.update(team_status="done"), 'team_status "done" is not one of'),
        (lambda p: p.update(added_at="yesterday"), 'added_at "yesterday" is not an ISO 8601'),
        (lambda p: p.update(added_at="2026-01-01T10:00:00"), "has no time zone"),
        (lambda p: p.update(surprise=1), "surprise: unknown field"),
        (lambda p: p.pop("scores"), "scores is missing"),
        (lambda p: p.update(ref=5), "ref is 5 but this is paper line 1"),
        (lambda p: p["tags"].append({"tag": "Nope", "user": None, "applied_at": p["added_at"]}),
         "'Nope' is not one of the review's tags"),
        (lambda p: p["assignments"].append(dict(p["assignments"][0])), "is listed twice"),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_a_wrong_value_on_a_paper_line_names_the_line_and_the_field(archive, edit, expected):
    lines = lines_of(archive)
    number = first_paper_line(lines)
    paper = lines[number]
    paper.setdefault("scores", [])
    if not paper["assignments"]:
        paper["assignments"].append({"user": "bob", "assigned_at": paper["added_at"]})
    edit(paper)
    write_lines(archive, lines)
    message = refused(archive)
    assert f"dual.jsonl:{number + 1}: " in message
    assert expected in message


@pytest.mark.django_db
def test_comment_threads_must_point_at_earlier_comments(archive):
    lines = lines_of(archive)
    number = next(n for n, line in enumerate(lines) if line["type"] == "paper" and len(line["comments"]) == 3)
    lines[number]["comments"][0]["parent"] = 3
    write_lines(archive, lines)
    assert f"dual.jsonl:{number + 1}: comments[1].parent 3 is not an earlier comment" in refused(archive)
    lines[number]["comments"][0]["parent"] = 99
    write_lines(archive, lines)
    assert "comments[1].parent 99 is not an earlier comment" in refused(archive)


@pytest.mark.django_db
def test_the_same_paper_twice_is_refused(archive):
    lines = lines_of(archive)
    doi_line = next(n for n, line in enumerate(lines) if line["type"] == "paper" and line["paper"]["doi"])
    other = next(n for n, line in enumerate(lines) if line["type"] == "paper" and n != doi_line)
    lines[other]["paper"]["doi"] = lines[doi_line]["paper"]["doi"]
    lines[other]["paper"]["arxiv_id"] = ""
    write_lines(archive, lines)
    assert "the same paper as line" in refused(archive)


@pytest.mark.django_db
def test_a_status_the_votes_do_not_give_is_refused_and_rolled_back(archive):
    lines = lines_of(archive)
    number = next(n for n, line in enumerate(lines) if line["type"] == "paper" and line["team_status"] == "included")
    lines[number]["team_status"], lines[number]["final_decision"] = "excluded", "exclude"
    write_lines(archive, lines)
    message = refused(archive)
    assert f"dual.jsonl:{number + 1}: the file says team status 'excluded'" in message
    assert "edited inconsistently" in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"type": "paper", "ref": 1e999}', "ref must be a whole number, not float"),
        (b'{"type": "paper", "ref": NaN}', "NaN is not a number JSON allows"),
        (b'{"type": "paper", "ref": ' + b"9" * 5000 + b"}", "not a JSON object"),
        (b'{"type": "paper", "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "JSON nested too deeply"),
        (b'{"type": "paper", "ref": "\xff"}', "not valid UTF-8: byte 0xff"),
        (b"[1, 2]", "not a JSON object but list"),
    ],
)
@pytest.mark.django_db
def test_hostile_lines_are_refused_without_a_traceback(archive, raw, expected):
    data = archive.read_bytes().split(b"\n")
    data[1] = raw
    archive.write_bytes(b"\n".join(data))
    message = refused(archive)
    assert "dual.jsonl:2: " in message and expected in message


@pytest.mark.django_db
def test_history_that_names_database_ids_or_unknown_things_is_refused(archive):
    lines = lines_of(archive)
    number = next(n for n, line in enumerate(lines) if line["type"] == "change" and line["kind"] == "comment")
    lines[number]["subject"] = "comment:42"
    write_lines(archive, lines)
    assert f'dual.jsonl:{number + 1}: subject "comment:42" is not a comment of the change\'s paper' in refused(archive)
    lines[number]["subject"] = "7"
    write_lines(archive, lines)
    assert "is a database id" in refused(archive)
    lines[number]["subject"] = "comment:1"
    lines[number]["after"] = {"body": "x\ud800"}
    archive.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert "holds a NUL or an unpaired surrogate" in refused(archive)
    lines[number]["after"] = {"deep": json.loads("[" * 30 + "]" * 30)}
    write_lines(archive, lines)
    assert "nested more than 20 levels" in refused(archive)


@pytest.mark.django_db
def test_an_empty_or_unreadable_file(archive, tmp_path):
    archive.write_bytes(b"")
    assert "dual.jsonl:1: empty file" in refused(archive)
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "missing.jsonl")


def first_change(lines, kind: str) -> int:
    return next(n for n, line in enumerate(lines) if line["type"] == "change" and line["kind"] == kind)


@pytest.mark.parametrize(
    ("kind", "subject", "expected"),
    [
        # restore.py once turned every "undo:" subject into change ids, whatever its kind: a traceback.
        ("setting", "undo:x", "neither a setting's name nor member:USERNAME"),
        ("setting", "undo:1", "neither a setting's name nor member:USERNAME"),
        ("setting", "member:", "neither a setting's name nor member:USERNAME"),
        ("setting", "", "a setting change names the setting"),
        ("comment", "undo:x", "is not a comment of the change's paper"),
        ("comment", "comment:abc", "is not a comment of the change's paper"),
        ("comment", "comment:0", "is not a comment of the change's paper"),
        ("comment", "comment:" + "9" * 40, "is not a comment of the change's paper"),
        ("comment", "comment:\u0661", "is not a comment of the change's paper"),
        ("comment", "member:bob", "is not a comment of the change's paper"),
        ("tag", "tag:", "is not one of the review's tags"),
        ("tag", "tag:No such tag", "is not one of the review's tags"),
        ("tag", "undo:1", "is not one of the review's tags"),
        ("decision", "undo:3-1", "does not name earlier change lines"),
        ("decision", "undo:0", "does not name earlier change lines"),
        ("decision", "undo:", "does not name earlier change lines"),
        ("decision", "undo:x", "does not name earlier change lines"),
        ("decision", "undo:" + "9" * 40, "does not name earlier change lines"),
        ("decision", "undo:1-" + "9" * 10, "does not name earlier change lines"),
        ("decision", "undo:\u0661", "does not name earlier change lines"),
        ("decision", "comment:1", "does not name earlier change lines"),
        ("score", "x", "a score change has no subject"),
        ("score", "undo:1", "a score change has no subject"),
        ("resolution", "member:bob", "a resolution change has no subject"),
        ("assignment", "tag:RCT", "a assignment change has no subject"),
    ],
)
@pytest.mark.django_db
def test_a_hand_edited_change_subject_is_refused_by_line_whatever_its_kind(archive, kind, subject, expected):
    lines = lines_of(archive)
    number = first_change(lines, kind)
    lines[number]["subject"] = subject
    write_lines(archive, lines)
    message = refused(archive)
    assert f"dual.jsonl:{number + 1}: subject " in message and expected in message
    assert message.count("dual.jsonl:") == 1


@pytest.mark.django_db
def test_an_undo_names_earlier_decision_changes_only(archive):
    lines = lines_of(archive)
    first = first_change(lines, "decision")
    later = next(n for n in range(first + 1, len(lines)) if lines[n]["kind"] == "decision")
    lines[later]["subject"] = f"undo:{first - 7}"  # the change lines are numbered from 1 after the 7 papers
    write_lines(archive, lines)
    assert run(archive, "--dry-run")  # an undo of an earlier decision is accepted
    lines[first]["subject"] = f"undo:{later - 7}"
    write_lines(archive, lines)
    assert f'dual.jsonl:{first + 1}: subject "undo:{later - 7}" does not name earlier' in refused(archive)
    lines[first]["subject"] = ""
    setting = first_change(lines, "setting")
    lines[later]["subject"] = f"undo:{setting - 7}"
    write_lines(archive, lines)
    assert "an undo takes back decision changes, and names another kind" in refused(archive)


@pytest.mark.parametrize(("kind", "paper"), [("setting", "a paper"), ("assignment", "a paper"), ("decision", None)])
@pytest.mark.django_db
def test_a_change_moved_onto_or_off_a_paper_is_refused(archive, kind, paper):
    lines = lines_of(archive)
    number = first_change(lines, kind)
    lines[number]["paper"] = None if paper is None else lines[first_change(lines, "decision")]["paper"]
    write_lines(archive, lines)
    message = refused(archive)
    assert f"dual.jsonl:{number + 1}: a {kind} change is about" in message


@pytest.mark.django_db
def test_a_partial_archive_is_refused_saying_who_can_export_a_full_one(archive):
    lines = lines_of(archive)
    lines[0]["scope"] = "as-seen-by:rosa"
    write_lines(archive, lines)
    message = refused(archive)
    assert "dual.jsonl:1: this archive holds only what one member could see (scope 'as-seen-by:rosa')" in message
    assert "exported by an owner of the review, or by export_review without --as" in message
    assert "resolver" not in message  # a resolver's archive is as-seen-by too
