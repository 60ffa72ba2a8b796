"""``manage.py simulate_screening``: a small dataset whose replay is worked out by hand, the same output for the
same seed, and bad files refused at their line with nothing written."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.test_ranking_model import SAMPLE

# Six records with their own ids. Seed 1 starts, as ASReview's prior draw does, from the first include (r10) and
# the first exclude (r11). Trained on those two, "apple" points to include and "cherry" to exclude:
#   r12 "apple kiwi" and r14 "apple mango" score highest and tie on apple (kiwi and mango unseen): r12, the
#   lower row, comes first; retrained with r12 included, r14 (apple) still leads; r14 is the last include.
#   The rest, all excludes, follow by the last model: r15 "fig grape" (no known word, scores the intercept)
#   before r13 "cherry lime" (cherry pulls it down).
HAND_WORKED = """record_id,title,abstract,label
r10,Apple banana,,1
r11,Cherry date,,0
r12,Apple kiwi,,1
r13,Cherry lime,,0
r14,Apple mango,,1
r15,Fig grape,,0
"""


def simulate(tmp_path, content: str, *arguments, name="reviewed.csv"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate_screening", str(path), *arguments, stdout=out, stderr=err)
    return path, out.getvalue()


def read_order(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_the_hand_worked_dataset_is_screened_in_the_order_worked_out(tmp_path):
    order = tmp_path / "order.csv"
    _, out = simulate(tmp_path, HAND_WORKED, "--label-column", "label", "--seed", "1", "--output", str(order))
    assert read_order(order) == [
        ["position", "record_id", "label"],
        ["1", "r10", "1"],
        ["2", "r11", "0"],
        ["3", "r12", "1"],
        ["4", "r14", "1"],
        ["5", "r15", "0"],
        ["6", "r13", "0"],
    ]
    # After the two starting records: 4 records [1, 1, 0, 0], 2 includes.
    # 5% and 10% of 4 are less than one record: 0 found. 25% is one record: 1 of 2 found.
    # WSS@95: ⌈0.95 × 2⌉ = 2 includes take 2 records, so (4 − 2)/4 − 0.05 = 45%.
    # Average time to discovery: (1 + 2)/2 = 1.5 records, 37.5% of 4.
    assert "started from include record_id r10 and exclude record_id r11" in out
    assert "recall at 5% screened: 0.0%" in out
    assert "recall at 10% screened: 0.0%" in out
    assert "recall at 25% screened: 50.0%" in out
    assert "WSS@95: 45.0%" in out
    assert "average time to discovery: 1.5 records (37.5% of them)" in out
    assert "every include found after 2 records" in out


def test_without_an_id_column_the_record_id_is_the_row_number(tmp_path):
    content = "Title,Included\n" + "\n".join(
        f"{title},{label}" for title, label in [("Apple banana", 1), ("Cherry date", 0), ("Apple kiwi", 1)]
    )
    order = tmp_path / "order.csv"
    simulate(tmp_path, content, "--label-column", "included", "--seed", "1", "--output", str(order))
    assert read_order(order) == [["position", "record_id", "label"], ["1", "1", "1"], ["2", "2", "0"], ["3", "3", "1"]]


def test_the_recall_curve_is_an_svg_with_its_figures_in_words(tmp_path):
    svg = tmp_path / "curve.svg"
    simulate(tmp_path, HAND_WORKED, "--label-column", "label", "--seed", "1", "--svg", str(svg))
    drawing = svg.read_text(encoding="utf-8")
    assert drawing.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert "Includes found (share of 2)" in drawing
    assert "all found after 2 records" in drawing


@pytest.mark.parametrize("model", ["svm", "logistic", "nb"])
def test_the_same_seed_gives_the_same_order_twice(tmp_path, model):
    content = Path(SAMPLE).read_text(encoding="utf-8")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    for output in (first, second):
        simulate(tmp_path, content, "--label-column", "label", "--seed", "5", "--model", model, "--output", str(output))
    assert first.read_bytes() == second.read_bytes()
    assert len(read_order(first)) == 121


def test_another_seed_starts_from_other_records(tmp_path):
    content = Path(SAMPLE).read_text(encoding="utf-8")
    _, five = simulate(tmp_path, content, "--label-column", "label", "--seed", "5")
    _, six = simulate(tmp_path, content, "--label-column", "label", "--seed", "6")
    assert five.splitlines()[0] != six.splitlines()[0]


BAD_FILES = [
    ("record_id,title,label\n1,Apple,1\n2,Cherry,\n3,Kiwi,0\n", "reviewed.csv:3: no label in column 'label'"),
    ("record_id,title,label\n1,Apple,1\n2,Cherry,yes\n", "reviewed.csv:3: label 'yes' is not 0 (exclude) or 1"),
    ("record_id,title,label\n1,Apple,1\n2,Cherry,2\n", "reviewed.csv:3: label '2' is not 0 (exclude) or 1"),
    ("record_id,title,label\n1,Apple,1\n2,Cherry,1\n", "reviewed.csv:1: no record is labelled 0 (exclude)"),
    ("record_id,title,label\n1,Apple,0\n2,Cherry,0\n", "reviewed.csv:1: no record is labelled 1 (include)"),
    ("record_id,title,decision\n1,Apple,1\n", "reviewed.csv:1: no column 'label' (the columns are: record_id"),
    ("record_id,doi,label\n1,10.1/x,1\n2,10.1/y,0\n", "reviewed.csv:1: no title or abstract column"),
    ("record_id,title,label\n", "reviewed.csv:1: no records under the header"),
    ("", "reviewed.csv:1: no header row"),
    ("record_id,title,label\n7,Apple,1\n7,Cherry,0\n", "reviewed.csv:3: record id '7' repeats the record of line 2"),
    # A quoted abstract over two lines: the bad label is on the record that starts at line 4.
    ('record_id,title,abstract,label\n1,A,"one\ntwo",1\n2,B,x,maybe\n', "reviewed.csv:4: label 'maybe'"),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_file_is_refused_at_its_line_and_nothing_is_written(tmp_path, content, message):
    path = tmp_path / "reviewed.csv"
    path.write_text(content, encoding="utf-8")
    order = tmp_path / "order.csv"
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was simulated"):
        call_command("simulate_screening", str(path), "--label-column", "label", "--output", str(order), stderr=err)
    assert err.getvalue().strip().startswith(str(path)[: -len("reviewed.csv")] + message)
    assert not order.exists()


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_its_first_bad_byte(tmp_path):
    path = tmp_path / "reviewed.csv"
    path.write_bytes(b"record_id,title,label\n1,Apple,1\n2,Caf\xe9,0\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("simulate_screening", str(path), "--label-column", "label", stderr=err)
    assert f"{path}:3: not UTF-8 text (byte 0xe9)" in err.getvalue()


def test_a_missing_file_is_refused_by_name(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("simulate_screening", str(tmp_path / "absent.csv"), "--label-column", "label", stderr=err)
    assert f"{tmp_path / 'absent.csv'}: cannot read the file (No such file or directory)" in err.getvalue()


def test_an_unwritable_output_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot write"):
        simulate(tmp_path, HAND_WORKED, "--label-column", "label", "--output", str(tmp_path / "no" / "order.csv"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--label-column", " "], "must name a column"),
        (["--label-column", "label", "--seed", "-1"], "--seed must be between"),
    ],
)
def test_bad_options_are_refused(tmp_path, arguments, message):
    path = tmp_path / "reviewed.csv"
    path.write_text(HAND_WORKED, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("simulate_screening", str(path), *arguments)
