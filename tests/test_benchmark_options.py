"""``make bench PAPERS=…`` and the benchmark's options for measuring at a million papers."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError

from benchmarks.management.commands.benchmark import Command


def parse(*arguments: str):
    return Command().create_parser("manage.py", "benchmark").parse_args(list(arguments))


def test_the_scale_options_parse():
    options = parse(
        "--papers", "1000000", "--review-annotations", "500000", "--reuse-review", "--lists-only",
        "--skip-corpus-list",
        "--set", "work_mem=64MB", "--set", "max_parallel_workers_per_gather=0",
    )  # fmt: skip
    assert options.papers == 1_000_000
    assert options.review_annotations == 500_000
    assert options.reuse_review and options.lists_only and options.skip_corpus_list
    assert options.set == [("work_mem", "64MB"), ("max_parallel_workers_per_gather", "0")]


def test_the_defaults_build_and_time_everything():
    options = parse()
    assert (options.papers, options.review_annotations, options.reuse_review, options.lists_only) == (
        100_000,
        None,
        False,
        False,
    )
    assert options.set == []


@pytest.mark.parametrize("setting", ["work_mem", "work_mem=", "=64MB", "work mem=64MB", "work_mem;DROP=1"])
def test_a_setting_that_is_not_name_equals_value_is_refused(setting):
    with pytest.raises(CommandError, match="expected NAME=VALUE"):
        parse("--set", setting)


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_bench_passes_the_paper_count_and_other_options_through():
    dry_run = subprocess.run(  # noqa: S603 (fixed arguments)
        [MAKE, "-n", "bench", "PAPERS=1000000", "BENCH_ARGS=--skip-import --lists-only"],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "manage.py benchmark --papers 1000000 --skip-import --lists-only" in dry_run.stdout
