"""The benchmark's duplicate-matching step, at a small scale: it imports as dry runs and reports both timings."""

import io

import pytest
from django.core.management.color import no_style

from benchmarks.duplicate_benchmark import DuplicateImportBenchmark
from benchmarks.reporting import Report
from papers.models import DuplicateCandidate, Paper
from tests.factories import make_paper


@pytest.mark.django_db
def test_the_step_times_imports_with_and_without_matching_and_leaves_the_database_as_it_was():
    for number in range(30):
        make_paper(title=f"Scaling instruction tuning across {number} languages and many tasks")
    out = io.StringIO()

    targets = DuplicateImportBenchmark(Report(out, no_style()), records=40, repeats=2).run()

    text = out.getvalue()
    assert text.count("without matching:") == 2 and text.count("with    matching:") == 2
    assert "of which matching" in text and "likely pairs listed per import" in text
    assert len(targets) == 1 and targets[0].target == "< +30%" and targets[0].passed is not None
    assert Paper.objects.count() == 30 and not DuplicateCandidate.objects.exists()
