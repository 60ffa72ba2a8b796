"""``manage.py benchmark_ranking``: each step's time, the peak memory after it and the load, on a small corpus; and
a corpus past HASHED_FROM goes through the hashed features."""

import io

from django.core.management import call_command

from benchmarks.ranking_benchmark import measure
from reviews.ranking import features


def test_the_report_gives_each_steps_time_memory_and_load():
    out = io.StringIO()
    call_command("benchmark_ranking", "--papers", "300", "--decisions", "40", stdout=out)
    report = out.getvalue()
    assert "CPUs, load " in report.splitlines()[0]
    assert "300 papers, " in report
    assert "peak memory with the texts built: " in report
    for step in ("TF-IDF, once per corpus: ", "retraining on 40 decisions: ", "ranking 260 undecided: "):
        line = next(line for line in report.splitlines() if step in line)
        assert "s CPU; " in line
        assert "peak memory " in line
        assert "; load " in line
    assert "load average at the end: " in report


def test_the_peaks_only_grow_and_the_matrix_is_measured(monkeypatch):
    monkeypatch.setattr(features, "HASHED_FROM", 200)
    timings = measure(250, 30)
    assert timings.texts_peak_mb <= timings.vectorise_peak_mb <= timings.fit_peak_mb <= timings.rank_peak_mb
    assert timings.nonzeros > 0
    assert timings.matrix_mb > 0
    assert len(timings.loads) == 3
