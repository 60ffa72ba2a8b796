"""``manage.py benchmark_import``: a generated JSONL file imported, with its time, speed and memory reported."""

from io import StringIO

import pytest
from django.core.management import call_command

from papers.models import Paper
from tests.factories import make_paper


@pytest.mark.django_db
def test_it_imports_the_file_and_reports_speed_memory_and_load(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    call_command("generate_corpus", 300, "--seed", "3", "-o", str(corpus), stdout=StringIO())
    make_paper("2101.00001")
    out = StringIO()

    call_command("benchmark_import", "--records", "300", "--file", str(corpus), "--empty-first", stdout=out)

    report = out.getvalue()
    assert Paper.objects.count() == 300  # emptied first: every record was new
    assert "Imported 300 records in" in report
    assert "records/s; peak resident memory" in report
    assert "writing            300 / 300 records: resident" in report
    assert "load average" in report


@pytest.mark.django_db
def test_a_dry_run_leaves_the_database_as_it_was(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    call_command("generate_corpus", 50, "-o", str(corpus), stdout=StringIO())

    call_command("benchmark_import", "--records", "50", "--file", str(corpus), "--dry-run", stdout=StringIO())

    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_the_probe_times_each_kind_of_request_until_told_to_stop_and_says_whether_it_answered_in_time(
    tmp_path, settings
):
    from threading import Timer

    from benchmarks import site_probe
    from reviews.models import ScreeningDecision

    settings.ALLOWED_HOSTS = ["testserver"]
    stop = tmp_path / "stop"
    Timer(0.6, stop.touch).start()

    result = site_probe.probe(stop, interval=0.05)

    assert set(result["timings"]) == {"paper list", "search", "review list", "decision POST"}
    assert all(len(times) >= 1 for times in result["timings"].values())
    assert result["statuses"]["paper list"] == {"200": len(result["timings"]["paper list"])}
    assert set(result["statuses"]["decision POST"]) == {"302"}
    assert ScreeningDecision.objects.filter(user__username=site_probe.PROBE_USER).exists()
    lines = site_probe.summary_lines(result)
    assert any(line.strip().startswith("search") and "PASS" in line for line in lines)
    result["statuses"]["search"]["500"] = 1
    assert any(line.strip().startswith("search") and "FAIL" in line for line in site_probe.summary_lines(result))
