"""``manage.py benchmark``: import speed, paper-list, review-list and annotation latency on PostgreSQL, against
stated targets.

Not part of the test suite. It empties the papers tables of the database it runs on and builds a review there, so
it insists on a PostgreSQL database whose name says it is for benchmarks (``marginalia_bench``). The review part
lives in ``_review_benchmark.py`` (measuring) and ``reviews/benchmarking.py`` (building the workload).
"""

import cProfile
import datetime
import io
import math
import os
import platform
import pstats
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from papers.corpus_generator import CorpusGenerator, write_jsonl
from papers.models import ImportBatch, Paper

IMPORT_TARGET = 5_000  # records/s
UNFILTERED_TARGET_MS = 50
SEARCH_TARGET_MS = 150
GIN_INDEX = "paper_search_document_gin"
# What people reviewing LLM papers type; "language models" matches most of this corpus, as of the seed.
SEARCH_TERMS = (
    "language models",
    "reinforcement learning",
    "retrieval",
    '"chain of thought"',
    "instruction tuning",
    "human feedback",
    "in-context learning",
    "summarization",
    "attention",
    "question answering",
)
MONTH_FILTER = {"month_from": "2023-01", "month_to": "2023-03"}
DEEP_PAGE = 2000
BENCH_USER = "marginalia-benchmark"


@dataclass
class Scenario:
    name: str
    params: Callable[[int], dict]
    target_ms: float
    variants: int = 1
    timings_ms: list[float] = field(default_factory=list)
    query_counts: set[int] = field(default_factory=set)
    by_variant: dict[str, list[float]] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def passed(self) -> bool:
        return self.median < self.target_ms


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _search(i: int) -> str:
    return SEARCH_TERMS[i % len(SEARCH_TERMS)]


class Command(BaseCommand):
    help = (
        "Benchmark importing N synthetic papers and serving the paper list (plain, deep page, text search, month "
        "filter) on PostgreSQL; then a review over all of them: its paper list with the team's filters and sorts, "
        "and the annotation POSTs. Prints the figures beside their targets. EMPTIES THE PAPERS TABLES FIRST (and "
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
            "--annotations", type=int, default=30_000, help="Annotation rows in the benchmark review (30000)."
        )
        parser.add_argument(
            "--profile-reviews",
            action="store_true",
            help="Also print a cProfile of the slowest review-list scenario (top functions).",
        )

    def handle(self, *args, papers: int, runs: int, warmup: int, seed: int, keep: bool, skip_import: bool, **options):
        self._require_postgresql(writes=not (skip_import and options["skip_reviews"]))
        self._require_migrated()
        try:
            list_url = reverse("papers:list")
        except NoReverseMatch as error:
            raise CommandError("The paper list (papers:list) is not wired into the URLconf yet.") from error
        if runs < 1:
            raise CommandError("--runs must be at least 1")

        self._print_machine_info()
        # WhiteNoise warns about a missing STATIC_ROOT once DEBUG is off; the benchmark serves no static files.
        warnings.filterwarnings("ignore", message="No directory at")
        # Production-like: no query logging or template debug; the test client's host allowed.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            import_rate = None if skip_import else self._generate_and_import(papers, seed, keep)
            paper_count = Paper.objects.count()
            self._heading(f"Paper list: {list_url} over {paper_count:,} papers, {runs} timed runs each")
            client = self._client(list_url)
            scenarios = self._measure(client, list_url, runs, warmup)
            matches = self._print_matches()
            gin_used = self._explain(client, list_url, rarest_term=min(matches, key=matches.get))
            if options["profile"]:
                self._profile(client, list_url)
            review_targets = []
            if not options["skip_reviews"]:
                # Imported here: the review part reuses this module's Scenario and report helpers.
                from ._review_benchmark import ReviewBenchmark

                review_benchmark = ReviewBenchmark(
                    self, runs=runs, warmup=warmup, seed=seed, annotations=options["annotations"]
                )
                review_targets = review_benchmark.run(profile=options["profile_reviews"])
        self._print_targets(import_rate, scenarios, gin_used, review_targets)
        self.stdout.write(f"  load average at the end: {_load_average()} (timings are noisy on a busy machine)")

    # Checks ------------------------------------------------------------------------------------------------

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

    # Report helpers ----------------------------------------------------------------------------------------

    def _heading(self, text: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"== {text}"))

    def _print_machine_info(self) -> None:
        self._heading("Machine")
        cpu_model = "unknown"
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        memory = "unknown"
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
        except OSError:
            pass
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            pg_version = cursor.fetchone()[0]
            pg_settings = {}
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
                cursor.execute(f"SHOW {name}")
                pg_settings[name] = cursor.fetchone()[0]
        db = connection.settings_dict
        rows = [
            ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")),
            ("nproc", f"{usable} (of {os.cpu_count()})"),
            ("load average", _load_average()),
            ("CPU", cpu_model),
            ("memory", memory),
            ("PostgreSQL", pg_version),
            ("PG settings", ", ".join(f"{key}={value}" for key, value in pg_settings.items())),
            ("database", f"{db['NAME']} on {db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"),
            ("Python / Django", f"{platform.python_version()} / {django.get_version()}"),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label:<16} {value}")

    # 1. Import -----------------------------------------------------------------------------------------------

    def _generate_and_import(self, papers: int, seed: int, keep: bool) -> float:
        self._heading(f"Import: {papers:,} generated papers")
        paper_table = Paper._meta.db_table
        tables = [paper_table, Paper.import_batches.through._meta.db_table, ImportBatch._meta.db_table]
        dependants = sorted(
            {
                relation.related_model._meta.db_table
                for model in (Paper, ImportBatch)
                for relation in model._meta.related_objects
                if relation.related_model._meta.db_table not in tables
            }
        )
        database = connection.settings_dict["NAME"]
        self.stdout.write(
            self.style.WARNING(
                f"  !!! EMPTYING {', '.join(tables)} in database {database!r}"
                + (f" (and, by CASCADE, {', '.join(dependants)})" if dependants else "")
                + " !!!"
            )
        )
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")

        if keep:
            directory = Path(settings.BASE_DIR) / "bench-data"
            directory.mkdir(exist_ok=True)
            path = directory / f"corpus-{papers}-seed{seed}.jsonl"
        else:
            handle, name = tempfile.mkstemp(prefix="marginalia-bench-", suffix=".jsonl")
            os.close(handle)
            path = Path(name)
        try:
            started = time.perf_counter()
            with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
                write_jsonl(CorpusGenerator(seed=seed).records(papers), out)
            generated = time.perf_counter() - started
            size = path.stat().st_size / 1024 / 1024
            self.stdout.write(f"  generated {path} ({size:,.0f} MiB) in {generated:.1f}s")

            output = io.StringIO()
            started = time.perf_counter()
            call_command("import_papers", str(path), format="jsonl", stdout=output)
            elapsed = time.perf_counter() - started
        finally:
            if not keep:
                path.unlink(missing_ok=True)
        for line in output.getvalue().strip().splitlines()[-6:]:
            self.stdout.write(f"  | {line}")
        rate = papers / elapsed if elapsed else float("inf")
        imported = Paper.objects.count()
        self.stdout.write(f"  imported {imported:,} papers in {elapsed:.1f}s: {rate:,.0f} records/s")
        if imported != papers:
            self.stdout.write(self.style.ERROR(f"  expected {papers:,} papers in the database, found {imported:,}"))

        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {paper_table}")
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size(%s)), pg_size_pretty(pg_relation_size(%s))",
                [paper_table, GIN_INDEX],
            )
            table_size, gin_size = cursor.fetchone()
        self.stdout.write(
            f"  VACUUM ANALYZE {paper_table}: {time.perf_counter() - started:.1f}s "
            f"(table with indexes {table_size}; {GIN_INDEX} {gin_size})"
        )
        return rate

    # 2. Paper list -------------------------------------------------------------------------------------------

    def _client(self, list_url: str) -> Client:
        client = Client()
        response = client.get(list_url)
        if response.status_code == 302:
            # The list needs a signed-in user: an ordinary account will do.
            user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
            client.force_login(user)
            response = client.get(list_url)
        if response.status_code != 200:
            raise CommandError(f"GET {list_url} answered {response.status_code}, not 200")
        return client

    def _measure(self, client: Client, list_url: str, runs: int, warmup: int) -> list[Scenario]:
        scenarios = [
            Scenario("unfiltered, page 1", lambda i: {}, UNFILTERED_TARGET_MS),
            Scenario(f"unfiltered, page {DEEP_PAGE}", lambda i: {"page": DEEP_PAGE}, UNFILTERED_TARGET_MS),
            Scenario("month filter 2023-01..03", lambda i: dict(MONTH_FILTER), UNFILTERED_TARGET_MS),
            Scenario("text search", lambda i: {"q": _search(i)}, SEARCH_TARGET_MS, len(SEARCH_TERMS)),
            Scenario(
                "text search + month filter",
                lambda i: {"q": _search(i), **MONTH_FILTER},
                SEARCH_TARGET_MS,
                len(SEARCH_TERMS),
            ),
        ]
        for scenario in scenarios:
            for _ in range(warmup):
                for variant in range(scenario.variants):
                    self._get(client, list_url, scenario.params(variant))
            for variant in range(scenario.variants):
                with CaptureQueriesContext(connection) as queries:
                    self._get(client, list_url, scenario.params(variant))
                scenario.query_counts.add(len(queries))
            for run in range(runs):
                params = scenario.params(run)
                started = time.perf_counter()
                self._get(client, list_url, params)
                elapsed_ms = (time.perf_counter() - started) * 1000
                scenario.timings_ms.append(elapsed_ms)
                scenario.by_variant.setdefault(params.get("q", ""), []).append(elapsed_ms)

        self.stdout.write(
            f"  {'scenario':<28} {'median':>9} {'p95':>9} {'min':>9} {'max':>9}  {'SQL queries':<12} target"
        )
        for scenario in scenarios:
            counts = sorted(scenario.query_counts)
            fixed = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}..{counts[-1]} (varies!)"
            self.stdout.write(
                f"  {scenario.name:<28} {scenario.median:>6.1f} ms {scenario.p95:>6.1f} ms "
                f"{min(scenario.timings_ms):>6.1f} ms {max(scenario.timings_ms):>6.1f} ms  {fixed:<12} "
                f"< {scenario.target_ms:.0f} ms  {_verdict(scenario.passed)}"
            )
        for scenario in scenarios:
            if scenario.variants > 1:
                self.stdout.write(f"  {scenario.name}, median by term:")
                for term, timings in scenario.by_variant.items():
                    self.stdout.write(f"    q={term:<26} {statistics.median(timings):>7.1f} ms  ({len(timings)} runs)")
        return scenarios

    def _get(self, client: Client, list_url: str, params: dict):
        response = client.get(list_url, params)
        if response.status_code != 200:
            raise CommandError(f"GET {list_url}?{params} answered {response.status_code}, not 200")
        return response

    def _print_matches(self) -> dict[str, int]:
        """How many papers each term matches: the work ranking and counting have to do."""
        self.stdout.write("  papers matching each search term (all months / 2023-01..03):")
        months = {"submitted_month__gte": datetime.date(2023, 1, 1), "submitted_month__lte": datetime.date(2023, 3, 1)}
        counts = {}
        for term in SEARCH_TERMS:
            matches = Paper.objects.search(term)
            counts[term] = matches.count()
            self.stdout.write(f"    q={term:<26} {counts[term]:>9,} / {matches.filter(**months).count():>7,}")
        return counts

    # 3. Query plans ------------------------------------------------------------------------------------------

    def _explain(self, client: Client, list_url: str, rarest_term: str) -> bool:
        gin_used = False
        # The broadest term is read by a sequential scan (it matches most rows); the rarest shows the index.
        for title, params in (
            (f"text search q={SEARCH_TERMS[0]}", {"q": SEARCH_TERMS[0]}),
            (f"text search q={rarest_term}", {"q": rarest_term}),
            (f"text search + month filter q={SEARCH_TERMS[0]}", {"q": SEARCH_TERMS[0], **MONTH_FILTER}),
            ("unfiltered, page 1", {}),
            (f"unfiltered, page {DEEP_PAGE}", {"page": DEEP_PAGE}),
        ):
            with CaptureQueriesContext(connection) as queries:
                self._get(client, list_url, params)
            self._heading(f"Queries of the list page, {title}")
            for query in queries.captured_queries:
                self.stdout.write(f"  {float(query['time']) * 1000:5.0f} ms  {_shorten(query['sql'], 140)}")
            selects = [
                query["sql"]
                for query in queries.captured_queries
                if query["sql"].lstrip().upper().startswith("SELECT") and Paper._meta.db_table in query["sql"]
            ]
            if not selects:
                continue
            # The page's main query is the biggest SELECT on papers; the paginator's COUNT is the other costly one.
            chosen = [max(selects, key=len)]
            chosen += [sql for sql in selects if "COUNT(" in sql.upper() and sql not in chosen][:1]
            for sql in chosen:
                self._heading(f"EXPLAIN (ANALYZE, BUFFERS), {title}")
                self.stdout.write(f"  {_shorten(sql, 600)}")
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                for line in plan.splitlines():
                    self.stdout.write(f"  {line}")
                if "q" in params and GIN_INDEX in plan:
                    gin_used = True
        return gin_used

    def _profile(self, client: Client, list_url: str) -> None:
        self._heading(f"cProfile of 10 text-search requests (q={SEARCH_TERMS[0]})")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            self._get(client, list_url, {"q": SEARCH_TERMS[0]})
        profiler.disable()
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(30)
        self.stdout.write(report.getvalue())

    # 4. Targets ----------------------------------------------------------------------------------------------

    def _print_targets(
        self, import_rate: float | None, scenarios: list[Scenario], gin_used: bool, review_targets: list
    ) -> None:
        self._heading("Targets")
        if import_rate is None:
            self.stdout.write(f"  {'import':<28} {'(skipped)':>13}   target >= {IMPORT_TARGET:,} records/s")
        else:
            self.stdout.write(
                f"  {'import':<28} {import_rate:>8,.0f} rec/s   target >= {IMPORT_TARGET:,} records/s  "
                f"{_verdict(import_rate >= IMPORT_TARGET)}"
            )
        for scenario in scenarios:
            self.stdout.write(
                f"  {'list median, ' + scenario.name:<40} {scenario.median:>7.1f} ms   target < "
                f"{scenario.target_ms:.0f} ms  {_verdict(scenario.passed)}"
            )
        fixed = all(len(scenario.query_counts) == 1 for scenario in scenarios)
        self.stdout.write(f"  {'fixed query count per page':<40} {'yes' if fixed else 'no':>10}   {_verdict(fixed)}")
        self.stdout.write(
            f"  {'search uses ' + GIN_INDEX:<40} {'yes' if gin_used else 'no':>10}   {_verdict(gin_used)}"
        )
        if review_targets:
            self.stdout.write("  (review list and POST rows: medians over --runs)")
        for target in review_targets:
            self.stdout.write(
                f"  {target.label:<40} {target.value:>10}   target {target.target}  {_verdict(target.passed)}"
            )


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _shorten(sql: str, limit: int) -> str:
    # The headline's highlight marks are control characters: show them escaped.
    sql = " ".join(sql.split()).replace("\x02", "\\x02").replace("\x03", "\\x03")
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"
