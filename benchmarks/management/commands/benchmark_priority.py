"""``manage.py benchmark_priority``: the priority order of issue 10 in the app at corpus scale — retraining end to
end and step by step, the review list sorted by priority and screening mode's next paper (benchmarks/
priority_benchmark.py). PostgreSQL is what the targets are for; SQLite works too."""

import datetime
import os
import platform
import sqlite3
import warnings

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from benchmarks.priority_benchmark import SLUG, PriorityBenchmark, add_generated_papers, benchmark_settings
from benchmarks.reporting import Report, load_average
from papers.models import Paper
from reviews.models import Review


class Command(BaseCommand):
    help = (
        "Time the priority order on N papers with D decisions: retraining (vectorising, then with the features "
        "cached in memory and on disk), the review list sorted by priority and screening mode's next paper. "
        f"Builds a review ({SLUG}) over the database's first N papers and deletes it afterwards (unless --keep); "
        "when the database holds fewer than N papers it imports generated ones, which it does only on a database "
        "whose name contains 'bench'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=int, default=100_000, help="Papers in the review (100000).")
        parser.add_argument("--decisions", type=int, default=2_000, help="Decisions the order learns from (2000).")
        parser.add_argument("--runs", type=int, default=30, help="Timed requests per page (30).")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed requests before each page's runs (3).")
        parser.add_argument("--seed", type=int, default=0, help="Which papers are decided, and the corpus (0).")
        parser.add_argument("--keep", action="store_true", help=f"Keep the {SLUG} review afterwards.")

    def handle(self, *args, papers, decisions, runs, warmup, seed, keep, **options):
        if papers < 2 or not 2 <= decisions <= papers:
            raise CommandError("--papers must be at least 2 and --decisions between 2 and --papers.")
        if runs < 1 or warmup < 0:
            raise CommandError("--runs must be at least 1 and --warmup at least 0.")
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has unapplied migrations: run manage.py migrate first.")
        report = Report(self.stdout, self.style)
        self.describe_machine(report)
        if Paper.objects.count() < papers:
            name = str(connection.settings_dict["NAME"])
            if "bench" not in name:
                raise CommandError(
                    f"The database holds {Paper.objects.count():,} papers, fewer than --papers {papers:,}, and "
                    f"{name!r} does not look like a benchmark database (its name should contain 'bench') to import "
                    "generated papers into. Pass a smaller --papers, or point DATABASE_URL at a benchmark database."
                )
            add_generated_papers(report, papers, seed)
        # WhiteNoise warns about a missing STATIC_ROOT once DEBUG is off; the benchmark serves no static files.
        warnings.filterwarnings("ignore", message="No directory at")
        benchmark = PriorityBenchmark(report, papers=papers, decisions=decisions, runs=runs, warmup=warmup, seed=seed)
        try:
            with benchmark_settings():
                targets = benchmark.run()
        finally:
            if not keep:
                Review.objects.filter(slug=SLUG).delete()
        report.heading("Targets (medians; the 1-minute load average when each was timed)")
        report.targets(targets)
        report.write(f"  load average at the end: {load_average()} (timings are noisy on a busy machine)")

    @staticmethod
    def describe_machine(report: Report) -> None:
        if connection.vendor == "postgresql":
            report.machine()
            return
        report.heading("Machine")
        now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        for label, value in (
            ("date", now),
            ("nproc", f"{usable} (of {os.cpu_count()})"),
            ("load average", load_average()),
            ("database", f"{connection.vendor} {sqlite3.sqlite_version} {connection.settings_dict['NAME']}"),
            ("Python", platform.python_version()),
        ):
            report.write(f"  {label:<16} {value}")
