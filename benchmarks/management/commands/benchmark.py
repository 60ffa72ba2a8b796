"""``manage.py benchmark``: import speed, paper-list, review-list (blind and open), statistics, dashboard,
screening-mode and annotation latency on PostgreSQL, against stated targets.

Not part of the test suite. It empties the papers tables of the database it runs on and builds a review there, so
it insists on a PostgreSQL database whose name says it is for benchmarks (``marginalia_bench``). The corpus part
lives in ``benchmarks/corpus_benchmark.py``, the review part in ``review_benchmark.py`` and
``screening_benchmark.py`` (measuring) and ``review_workload.py`` (building the review); all report through
``reporting.py``.
"""

import argparse
import re
import warnings

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from benchmarks import review_workload
from benchmarks.corpus_benchmark import CorpusBenchmark
from benchmarks.duplicate_benchmark import DuplicateImportBenchmark
from benchmarks.export_benchmark import ExportBenchmark
from benchmarks.reporting import Report, load_average
from benchmarks.review_benchmark import ReviewBenchmark
from reviews.models import Review


def pg_setting(text: str) -> tuple[str, str]:
    """``--set name=value``: a PostgreSQL setting's name (letters, digits, underscores, dots) and its value."""
    name, equals, value = text.partition("=")
    if not equals or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) or not value:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, e.g. work_mem=64MB, not {text!r}")
    return name, value


class Command(BaseCommand):
    help = (
        "Benchmark importing N synthetic papers and serving the paper list (plain, deep page, text search, month "
        "filter) on PostgreSQL; then a blind dual-screening review over them: its paper list with the team's filters "
        "and sorts in both blind modes, statistics, dashboard, screening mode, and the annotation and resolution "
        "POSTs; and what likely-duplicate matching adds to an import of new records. Prints the figures beside their "
        "targets. EMPTIES THE PAPERS TABLES FIRST (and "
        "replaces the benchmark review): run it only against a dedicated benchmark database (its name must "
        "contain 'bench')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=int, default=100_000, help="Papers to generate and import (100000).")
        parser.add_argument("--runs", type=int, default=30, help="Timed requests per scenario (30).")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed passes over each scenario first (3).")
        parser.add_argument("--seed", type=int, default=0, help="Corpus seed (0).")
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the generated corpus in bench-data/ instead of a temporary file that is deleted afterwards.",
        )
        parser.add_argument(
            "--skip-import",
            action="store_true",
            help="Measure the papers already in the database: no emptying, generating or importing.",
        )
        parser.add_argument(
            "--profile", action="store_true", help="Also print a cProfile of the text-search page (top functions)."
        )
        parser.add_argument(
            "--skip-reviews",
            action="store_true",
            help="Skip the review part: no benchmark review built, no review list or annotation timings.",
        )
        parser.add_argument(
            "--review-papers",
            type=int,
            default=None,
            help="Papers in the benchmark review (default: every paper in the database). Each gets two decisions "
            "from two of the four reviewers it is assigned to.",
        )
        parser.add_argument(
            "--duplicate-records",
            type=int,
            default=10_000,
            help="New records imported (as dry runs) with and without likely-duplicate matching, to time what it "
            "adds (10000; 0 skips it).",
        )
        parser.add_argument(
            "--duplicate-repeats", type=int, default=3, help="Dry-run imports of each kind, alternating (3)."
        )
        parser.add_argument(
            "--review-annotations",
            type=int,
            default=None,
            help="Screen only as many of the review's papers as make about this many annotations (decisions, "
            "scores, tags, comments, final decisions); the rest stay assigned and unscreened, as in a review under "
            "way (default: every paper screened).",
        )
        parser.add_argument(
            "--reuse-review",
            action="store_true",
            help="Measure the benchmark review already in the database instead of building it again.",
        )
        parser.add_argument(
            "--lists-only",
            action="store_true",
            help="Time the list pages only (corpus list, review list, the framework's overhead): no duplicate "
            "matching, screening pages, annotation POSTs or export.",
        )
        parser.add_argument(
            "--skip-corpus-list",
            action="store_true",
            help="Skip the paper list's timings (with --skip-import: the review part alone).",
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            type=pg_setting,
            help="A PostgreSQL setting for the benchmark's session (SET, e.g. --set work_mem=64MB), to compare "
            "settings without touching the server's; repeatable.",
        )
        parser.add_argument(
            "--profile-reviews",
            action="store_true",
            help="Also print a cProfile of the slowest review-list scenario (top functions).",
        )

    def handle(self, *args, papers: int, runs: int, warmup: int, seed: int, keep: bool, skip_import: bool, **options):
        self._require_postgresql(writes=not (skip_import and options["skip_reviews"]))
        self._require_migrated()
        report = Report(self.stdout, self.style)
        corpus = CorpusBenchmark(report, runs=runs, warmup=warmup)
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        if options["review_papers"] is not None and options["review_papers"] < 1:
            raise CommandError("--review-papers must be at least 1")

        with connection.cursor() as cursor:
            for name, value in options["set"]:
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
        report.machine()
        # WhiteNoise warns about a missing STATIC_ROOT once DEBUG is off; the benchmark serves no static files.
        warnings.filterwarnings("ignore", message="No directory at")
        # Production-like: no query logging or template debug; the test client's host allowed.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            import_rate = None if skip_import else corpus.generate_and_import(papers, seed=seed, keep=keep)
            corpus_targets = []
            if not options["skip_corpus_list"]:
                with report.step("paper list: timings, query plans"):
                    corpus_targets = corpus.run(import_rate, profile=options["profile"])
            if options["duplicate_records"] > 0 and not options["lists_only"]:
                duplicates = DuplicateImportBenchmark(
                    report, records=options["duplicate_records"], repeats=max(1, options["duplicate_repeats"])
                )
                with report.step("likely-duplicate matching (dry-run imports)"):
                    corpus_targets += duplicates.run()
            review_targets = []
            if not options["skip_reviews"]:
                reviews = ReviewBenchmark(
                    report,
                    runs=runs,
                    warmup=warmup,
                    seed=seed,
                    review_papers=options["review_papers"],
                    annotations=options["review_annotations"],
                    reuse=options["reuse_review"],
                    lists_only=options["lists_only"],
                )
                review_targets = reviews.run(profile=options["profile_reviews"])
                if not options["lists_only"]:
                    review = Review.objects.get(slug=review_workload.BENCH_REVIEW_SLUG)
                    with report.step("export (CSV)"):
                        review_targets += ExportBenchmark(report, formats=("csv",)).run(review)
        report.heading("Targets")
        report.targets(corpus_targets)
        if review_targets:
            report.write("  (review rows: medians over --runs, and the 1-minute load average when each was timed)")
            report.targets(review_targets)
        report.step_times()
        report.write(f"  load average at the end: {load_average()} (timings are noisy on a busy machine)")

    def _require_postgresql(self, writes: bool) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                f"The benchmark runs on PostgreSQL only, and the default database is {connection.vendor}. Set "
                "DATABASE_URL, e.g. DATABASE_URL=postgres://marginalia@127.0.0.1:5432/marginalia_bench "
                '(create it with: psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE marginalia_bench OWNER '
                'marginalia"; then manage.py migrate).'
            )
        name = connection.settings_dict["NAME"]
        if writes and "bench" not in name:
            raise CommandError(
                f"The benchmark empties the papers tables and builds a review, and the database {name!r} does not "
                "look like a benchmark database (its name should contain 'bench'). Point DATABASE_URL at one, e.g. "
                "marginalia_bench, or pass --skip-import --skip-reviews to measure the papers already there "
                "without writing."
            )

    def _require_migrated(self) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The benchmark database has unapplied migrations: run manage.py migrate first.")
