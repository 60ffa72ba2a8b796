"""``manage.py compare_asreview`` against a stand-in for ``asreview simulate`` that writes a project file shaped
like ASReview 3's (a zip with results.db), so the comparison's reading of ASReview's order is checked without
installing ASReview."""

import io
import stat
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.test_simulate_screening import HAND_WORKED

# Screens the records in reverse file order, all of them (the last record of the file is screened first), and
# numbers its records 100 + row, as ASReview may number them apart from the rows: the order must be read through
# the record table's dataset_row.
FAKE_ASREVIEW = """#!{python}
import csv, sqlite3, sys, tempfile, zipfile, pathlib
arguments = sys.argv[1:]
assert arguments[0] == "simulate"
rows = list(csv.DictReader(open(arguments[1], encoding="utf-8")))
output = arguments[arguments.index("-o") + 1]
database = pathlib.Path(tempfile.mkdtemp()) / "results.db"
connection = sqlite3.connect(database)
connection.execute("CREATE TABLE record (record_id INTEGER, dataset_row INTEGER)")
connection.execute("CREATE TABLE results (record_id INTEGER UNIQUE, label INTEGER)")
for row in range(len(rows)):
    connection.execute("INSERT INTO record VALUES (?, ?)", (100 + row, row))
for row in reversed(range(len(rows))):
    connection.execute("INSERT INTO results VALUES (?, ?)", (100 + row, int(rows[row]["label"])))
connection.commit()
connection.close()
with zipfile.ZipFile(output, "w") as archive:
    archive.write(database, "results.db")
"""


@pytest.fixture
def fake_asreview(tmp_path):
    path = tmp_path / "asreview"
    path.write_text(FAKE_ASREVIEW.format(python=sys.executable), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_both_tools_are_measured_with_the_same_metrics(tmp_path, fake_asreview):
    dataset = tmp_path / "hand.csv"
    dataset.write_text(HAND_WORKED, encoding="utf-8")
    out = io.StringIO()
    call_command("compare_asreview", str(dataset), "--seeds", "1", "--asreview", str(fake_asreview), stdout=out)
    rows = {line.split(" | ")[2]: line.split(" | ") for line in out.getvalue().splitlines() if "| 1 |" in line}
    ours, theirs = rows["ours (svm)"], rows["ASReview 3.0.8 (ELAS u4)"]
    # Ours, worked out in tests/test_simulate_screening.py: r10 r11 | r12 r14 r15 r13.
    assert ours[3:8] == ["r10, r11", "0.0%", "0.0%", "50.0%", "45.0%"]
    assert ours[8] == "1.5 (37.5%)"
    # The stand-in's reverse order r15 r14 | r13 r12 r11 r10, labels 0 1 | 0 1 0 1: after the two starting
    # records, includes at 2 and 4 of 4: 25% is one record (no include), WSS@95 needs all 4 records, so 0 − 5%.
    assert theirs[3:8] == ["r15, r14", "0.0%", "0.0%", "0.0%", "-5.0%"]
    assert theirs[8] == "3.0 (75.0%)"


def test_a_missing_asreview_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no asreview executable there"):
        call_command("compare_asreview", "--asreview", str(tmp_path / "absent"), stdout=io.StringIO())
