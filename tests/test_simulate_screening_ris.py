"""``manage.py simulate_screening`` on labelled RIS files: the hand-worked dataset screened in the same order as its
CSV, a real review's records giving the same order as RIS and as CSV, ASReview's labelled export (labels in the N1
notes), and bad files refused at the line of the record's TY with nothing written."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from reviews.ranking.labelled_file import LabelledFileError, read_labelled_csv, read_labelled_ris
from tests.test_ranking_model import SAMPLE
from tests.test_simulate_screening import read_order


def ris(*records: dict) -> str:
    """RIS text of records given as {tag: value or [values]}, each between TY and ER."""
    lines = []
    for record in records:
        lines.append("TY  - JOUR")
        for tag, values in record.items():
            for value in values if isinstance(values, list) else [values]:
                lines.append(f"{tag}  - {value}")
        lines += ["ER  - ", ""]
    return "\n".join(lines)


# The six records of tests/test_simulate_screening.py's HAND_WORKED, whose order (seed 1) is worked out there:
# r10, r11 to start, then r12 and r14 (apple), then r15 (no known word) before r13 (cherry).
HAND_WORKED = ris(
    {"ID": "r10", "TI": "Apple banana", "LB": "1"},
    {"ID": "r11", "TI": "Cherry date", "LB": "0"},
    {"ID": "r12", "TI": "Apple kiwi", "LB": "1"},
    {"ID": "r13", "TI": "Cherry lime", "LB": "0"},
    {"ID": "r14", "TI": "Apple mango", "LB": "1"},
    {"ID": "r15", "TI": "Fig grape", "LB": "0"},
)
HAND_WORKED_ORDER = [
    ["position", "record_id", "label"],
    ["1", "r10", "1"],
    ["2", "r11", "0"],
    ["3", "r12", "1"],
    ["4", "r14", "1"],
    ["5", "r15", "0"],
    ["6", "r13", "0"],
]


def simulate(tmp_path, content: str, *arguments, name="reviewed.ris"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    call_command("simulate_screening", str(path), *arguments, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_hand_worked_dataset_in_ris_is_screened_in_the_order_worked_out(tmp_path):
    order = tmp_path / "order.csv"
    out = simulate(tmp_path, HAND_WORKED, "--label-column", "LB", "--seed", "1", "--output", str(order))
    assert read_order(order) == HAND_WORKED_ORDER
    assert "started from include record_id r10 and exclude record_id r11" in out
    assert "WSS@95: 45.0%" in out
    assert "average time to discovery: 1.5 records (37.5% of them)" in out


@pytest.mark.parametrize("label_column", ["LB", "lb", "label"])
def test_the_label_tag_is_named_by_its_tag_or_its_rispy_name(tmp_path, label_column):
    order = tmp_path / "order.csv"
    simulate(tmp_path, HAND_WORKED, "--label-column", label_column, "--seed", "1", "--output", str(order))
    assert read_order(order) == HAND_WORKED_ORDER


def test_a_custom_tag_holds_the_label(tmp_path):
    order = tmp_path / "order.csv"
    content = HAND_WORKED.replace("LB  - ", "ZZ  - ")
    simulate(tmp_path, content, "--label-column", "ZZ", "--seed", "1", "--output", str(order))
    assert read_order(order) == HAND_WORKED_ORDER


def sample_as_ris() -> str:
    """The SYNERGY sample (120 records) written as RIS: its ids in ID, title, abstract over lines, label in LB."""
    dataset = read_labelled_csv(SAMPLE, "label")
    return ris(
        *(
            {"ID": record_id, "TI": title, "AB": abstract.replace("\n", "\n  "), "LB": str(label)}
            for record_id, title, abstract, label in zip(
                dataset.record_ids, dataset.titles, dataset.abstracts, dataset.labels, strict=True
            )
        )
    )


@pytest.mark.parametrize("model", ["svm", "logistic", "nb"])
def test_a_real_review_gives_the_same_order_as_ris_and_as_csv(tmp_path, model):
    from_csv, from_ris = tmp_path / "csv-order.csv", tmp_path / "ris-order.csv"
    arguments = ("--seed", "3", "--model", model)
    call_command(
        "simulate_screening",
        SAMPLE,
        "--label-column",
        "label",
        *arguments,
        "--output",
        str(from_csv),
        stdout=io.StringIO(),
    )
    simulate(tmp_path, sample_as_ris(), "--label-column", "LB", *arguments, "--output", str(from_ris))
    csv_order = read_order(from_csv)
    assert len(csv_order) == 121
    assert read_order(from_ris) == csv_order


def test_the_ris_records_carry_the_csv_records_words_and_labels(tmp_path):
    path = tmp_path / "sample.ris"
    path.write_text(sample_as_ris(), encoding="utf-8")
    from_ris, from_csv = read_labelled_ris(path, "LB"), read_labelled_csv(SAMPLE, "label")
    assert from_ris.labels == from_csv.labels
    # Line breaks aside (a continued RIS line is joined with a space), the texts the model reads are the same.
    assert [text.split() for text in from_ris.texts] == [text.split() for text in from_csv.texts]


ASREVIEW_EXPORT = ris(
    {"TI": "Apple banana", "N1": ["ASReview_relevant", "seen first"]},
    {"TI": "Cherry date", "N1": "ASReview_irrelevant"},
    {"TI": "Apple kiwi", "N1": ["Checked twice", "ASReview_relevant"]},
    {"TI": "Cherry lime", "N1": "ASReview_irrelevant"},
)


@pytest.mark.parametrize("label_column", ["N1", "notes", "included", "asreview_label"])
def test_asreviews_labelled_ris_export_carries_its_labels_in_the_n1_notes(tmp_path, label_column):
    dataset_path = tmp_path / "asreview.ris"
    dataset_path.write_text(ASREVIEW_EXPORT, encoding="utf-8")
    dataset = read_labelled_ris(dataset_path, label_column)
    assert dataset.labels == [1, 0, 1, 0]
    assert dataset.record_ids == ["1", "2", "3", "4"]
    assert not dataset.own_ids


def test_a_txt_file_is_read_as_ris_when_it_starts_with_a_tag_and_as_csv_otherwise(tmp_path):
    order = tmp_path / "order.csv"
    simulate(
        tmp_path, "\n\n" + HAND_WORKED, "--label-column", "LB", "--seed", "1", "--output", str(order), name="x.txt"
    )
    assert read_order(order) == HAND_WORKED_ORDER
    table = "record_id,title,label\nr10,Apple banana,1\nr11,Cherry date,0\n"
    out = simulate(tmp_path, table, "--label-column", "label", "--seed", "1", name="y.txt")
    assert "started from include record_id r10 and exclude record_id r11" in out


def test_endnote_numbered_records_windows_line_ends_and_a_byte_order_mark_are_read(tmp_path):
    content = "\ufeff" + "1. " + HAND_WORKED.replace("\nTY  - ", "\n2. TY  - ", 1).replace("\n", "\r\n")
    path = tmp_path / "endnote.ris"
    path.write_text(content, encoding="utf-8", newline="")
    dataset = read_labelled_ris(path, "LB")
    assert dataset.record_ids == ["r10", "r11", "r12", "r13", "r14", "r15"]
    assert dataset.titles[:2] == ["Apple banana", "Cherry date"]
    assert dataset.labels == [1, 0, 1, 0, 1, 0]


def test_title_and_abstract_are_read_as_the_importer_reads_them(tmp_path):
    path = tmp_path / "titles.ris"
    path.write_text(
        ris(
            {"T1": "Primary title", "N2": "Abstract in N2", "LB": "1"},
            {"BT": "Book title", "AB": "First line\ncontinued", "LB": "0"},
        ),
        encoding="utf-8",
    )
    dataset = read_labelled_ris(path, "LB")
    assert dataset.titles == ["Primary title", "Book title"]
    assert dataset.abstracts == ["Abstract in N2", "First line continued"]


ONE = {"TI": "Apple", "LB": "1"}
TWO = {"TI": "Cherry", "LB": "0"}
BAD_FILES = [
    (ris(ONE, {"TI": "Cherry"}, TWO), "reviewed.ris:6: no label in tag LB"),
    (
        ris(ONE, {"TI": "Cherry", "LB": "yes"}),
        "reviewed.ris:6: label 'yes' in tag LB is not 0 (exclude) or 1 (include)",
    ),
    (ris(ONE, {"TI": "Cherry", "LB": "2"}), "reviewed.ris:6: label '2' in tag LB is not 0"),
    (ris(ONE, {"TI": "Cherry", "LB": ["0", "1"]}), "reviewed.ris:6: tag LB gives both labels, 0 and 1"),
    (ris(ONE, {"TI": "Cherry", "LB": "1"}), "reviewed.ris:1: no record is labelled 0 (exclude) in tag LB"),
    (ris(TWO, {"TI": "Apple", "LB": "0"}), "reviewed.ris:1: no record is labelled 1 (include) in tag LB"),
    ("", "reviewed.ris:1: no RIS records (no TY  - line)"),
    ("\n\n", "reviewed.ris:1: no RIS records"),
    ("Title,label\nApple,1\n", "reviewed.ris:1: expected TY  - to start a RIS record"),
    (ris(ONE) + "stray text\n" + ris(TWO), "reviewed.ris:5: expected TY  - to start a RIS record"),
    (ris({"ID": "7", **ONE}, {"ID": "7", **TWO}), "reviewed.ris:7: record id '7' repeats the record of line 1"),
    (ris({"ID": "7", **ONE}, TWO), "reviewed.ris:7: no record id in tag ID, which other records have"),
    ("TY  - JOUR\nTI  - Apple\nLB  - 1\n" + ris(TWO), "reviewed.ris:1: truncated record: no ER  - line before"),
    (
        ris(ONE) + "TY  - JOUR\nTI  - Cherry\nLB  - 0\n",
        "reviewed.ris:5: truncated record: no ER  - line at end of file",
    ),
    (
        ris({"DO": "10.1/x", "LB": "1"}, {"DO": "10.1/y", "LB": "0"}),
        "reviewed.ris:1: no record has a title or abstract",
    ),
    (
        ASREVIEW_EXPORT,
        "reviewed.ris:1: no label in tag LB (its N1 note holds an ASReview label: use --label-column N1)",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_ris_file_is_refused_at_the_line_of_the_records_ty_and_nothing_is_written(tmp_path, content, message):
    path = tmp_path / "reviewed.ris"
    path.write_text(content, encoding="utf-8")
    order = tmp_path / "order.csv"
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was simulated"):
        call_command("simulate_screening", str(path), "--label-column", "LB", "--output", str(order), stderr=err)
    assert err.getvalue().strip().startswith(str(path)[: -len("reviewed.ris")] + message)
    assert not order.exists()


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        (["ASReview_relevant", "ASReview_irrelevant"], "tag N1 gives both labels, 0 and 1"),
        ("ASReview_not_seen", "ASReview_not_seen: a simulation needs every record labelled 0 or 1"),
        ("Checked twice", "label 'Checked twice' in tag N1 is not 0 (exclude), 1 (include), ASReview_relevant or"),
    ],
)
def test_an_asreview_record_without_one_clear_label_is_refused(tmp_path, notes, message):
    path = tmp_path / "asreview.ris"
    path.write_text(ASREVIEW_EXPORT + ris({"TI": "Fig", "N1": notes}), encoding="utf-8")
    with pytest.raises(LabelledFileError, match=re.escape(f"asreview.ris:22: {message}")):
        read_labelled_ris(path, "N1")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"TY  - JOUR\nTI  - Apple\nLB  - 1\nER  - \nTY  - JOUR\nTI  - Caf\xe9\n",
            "reviewed.ris:6: not UTF-8 text (byte 0xe9)",
        ),
        (b"TY  - JOUR\nTI  - Apple\x00\nLB  - 1\nER  - \n", "reviewed.ris:2: not a text file (a NUL byte)"),
    ],
)
def test_a_ris_file_that_is_not_utf8_text_is_refused_at_its_line(tmp_path, content, message):
    path = tmp_path / "reviewed.ris"
    path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("simulate_screening", str(path), "--label-column", "LB", stderr=err)
    assert err.getvalue().strip() == str(path)[: -len("reviewed.ris")] + message


def test_a_label_column_that_names_no_ris_tag_is_refused(tmp_path):
    path = tmp_path / "reviewed.ris"
    path.write_text(HAND_WORKED, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("simulate_screening", str(path), "--label-column", "my label", stderr=err)
    assert f"{path}: --label-column 'my label' names no RIS tag" in err.getvalue()
