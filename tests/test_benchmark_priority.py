"""``manage.py benchmark_priority`` end to end at a tiny size: it builds its review, retrains the order three
times step by step, times the list sorted by priority and screening mode, and removes its review afterwards;
and it refuses to import generated papers into a database that is not a benchmark's."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from benchmarks.priority_benchmark import SLUG
from papers.models import Paper
from reviews.models import PriorityRanking, Review
from tests.factories import make_paper

PAPERS = 60


@pytest.fixture
def papers(db):
    # A third about the topic the benchmark's reviewer includes, so the order has both kinds to learn from.
    for number in range(PAPERS):
        topic = "retrieval-augmented generation" if number % 3 == 0 else "protein folding with transformers"
        make_paper(title=f"Paper {number} on {topic}", abstract=f"We study {topic} in setting {number}.")


def test_it_times_retraining_the_list_and_screening_and_cleans_up(papers):
    out = StringIO()

    call_command("benchmark_priority", papers=PAPERS, decisions=30, runs=2, warmup=0, stdout=out)

    printed = out.getvalue()
    for step in ("claim", "labels", "features", "fit", "rank", "write", "switch"):
        assert f"  {step} " in printed
    for run in ("first (vectorises)", "features in memory", "features from disk"):
        assert run in printed
    assert "page 1 shows the ranking's first paper" in printed
    assert "the page shows the first paper left in the order" in printed
    for figure in (
        "retrain(), features in memory",
        "ranking every paper (rank, write, switch)",
        "list, priority, page 1",
        "list, priority, unscreened, page 1",
        "screening, next paper, priority order",
    ):
        line = next(line for line in printed.splitlines() if figure in line)
        assert "target" in line and "(load " in line
    assert "load average at the end" in printed
    assert not Review.objects.filter(slug=SLUG).exists()
    assert not PriorityRanking.objects.exists()


def test_keep_leaves_the_review_with_its_ready_order(papers):
    call_command("benchmark_priority", papers=PAPERS, decisions=30, runs=1, warmup=0, keep=True, stdout=StringIO())

    ranking = PriorityRanking.objects.get(review__slug=SLUG, user=None)
    assert ranking.ready and ranking.papers == PAPERS
    assert ranking.scores.filter(generation=ranking.generation).count() == PAPERS
    # Only the generation before the current one is kept beside it.
    assert set(ranking.scores.values_list("generation", flat=True)) <= {ranking.generation - 1, ranking.generation}


def test_it_refuses_to_import_papers_into_a_database_that_is_not_a_benchmark_database(papers, monkeypatch):
    # The PostgreSQL test database of a benchmark worktree may be named like one; this one is not.
    monkeypatch.setitem(connection.settings_dict, "NAME", "marginalia")
    with pytest.raises(CommandError, match="does not look like a benchmark database"):
        call_command("benchmark_priority", papers=PAPERS + 1, decisions=30, stdout=StringIO())
    assert Paper.objects.count() == PAPERS


@pytest.mark.parametrize(
    "arguments", [{"papers": 1}, {"decisions": 1}, {"decisions": PAPERS + 1}, {"runs": 0}, {"warmup": -1}]
)
def test_bad_arguments_get_a_clear_message(papers, arguments):
    with pytest.raises(CommandError, match="must be"):
        call_command("benchmark_priority", **{"papers": PAPERS, "decisions": 30, **arguments}, stdout=StringIO())
