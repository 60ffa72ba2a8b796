"""The corpus part of ``manage.py benchmark``: import speed of a generated corpus and the paper list's latency.

It empties the papers tables, imports ``--papers`` records from ``corpus_generator`` through ``import_papers``,
then times the paper list (plain, deep page, month filter, text search) and explains its search queries.
"""

import datetime
import io
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from papers.models import ImportBatch, Paper

from .corpus_generator import CorpusGenerator, write_jsonl
from .reporting import P95_TARGET_MS, Report, Scenario, Target, captured_queries, time_scenario

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
# The corpus generator's most and least common primary categories (a third of the papers, and one in 500).
BROAD_CATEGORY, NARROW_CATEGORY = "cs.CL", "q-bio.QM"
BROAD_TERM = SEARCH_TERMS[0]
# A plain word in about 0.8% of the generated papers (8,300 of a million), where the terms above match 8.5% or more.
NARROW_TERM = "interplay"
DEEP_PAGE = 2000
BENCH_USER = "marginalia-benchmark"


def search_term(run: int) -> str:
    return SEARCH_TERMS[run % len(SEARCH_TERMS)]


class CorpusBenchmark:
    def __init__(self, report: Report, *, runs: int, warmup: int):
        try:
            self.list_url = reverse("papers:list")
        except NoReverseMatch as error:
            raise CommandError("The paper list (papers:list) is not wired into the URLconf yet.") from error
        self.report, self.runs, self.warmup = report, runs, warmup

    def run(self, import_rate: float | None, *, profile: bool) -> list[Target]:
        """Time the paper list over the papers in the database; ``import_rate`` is the import's, if there was one."""
        paper_count = Paper.objects.count()
        self.report.heading(f"Paper list: {self.list_url} over {paper_count:,} papers, {self.runs} timed runs each")
        self.client = self._client()
        self._print_matches()
        scenarios = self._measure()
        gin_used = self._explain(rarest_term=NARROW_TERM)
        self._indexes(scenarios)
        if profile:
            self.report.profile(
                f"cProfile of 10 text-search requests (q={SEARCH_TERMS[0]})",
                lambda run: self._get({"q": SEARCH_TERMS[0]}),
                ("cumulative", (30,)),
            )
        return self._targets(import_rate, scenarios, gin_used)

    # 1. Import -----------------------------------------------------------------------------------------------

    def generate_and_import(self, papers: int, *, seed: int, keep: bool) -> float:
        """Empty the papers tables, write ``papers`` generated records and import them; returns records/s."""
        self.report.heading(f"Import: {papers:,} generated papers")
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
        self.report.write(
            self.report.style.WARNING(
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
            self.report.steps.append((f"generate {papers:,} papers (JSON Lines)", generated))
            size = path.stat().st_size / 1024 / 1024
            self.report.write(f"  generated {path} ({size:,.0f} MiB) in {generated:.1f}s")

            output = io.StringIO()
            started = time.perf_counter()
            call_command("import_papers", str(path), format="jsonl", stdout=output)
            elapsed = time.perf_counter() - started
            self.report.steps.append((f"import {papers:,} papers (import_papers)", elapsed))
        finally:
            if not keep:
                path.unlink(missing_ok=True)
        for line in output.getvalue().strip().splitlines()[-6:]:
            self.report.write(f"  | {line}")
        rate = papers / elapsed if elapsed else float("inf")
        imported = Paper.objects.count()
        self.report.write(f"  imported {imported:,} papers in {elapsed:.1f}s: {rate:,.0f} records/s")
        if imported != papers:
            self.report.write(
                self.report.style.ERROR(f"  expected {papers:,} papers in the database, found {imported:,}")
            )

        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {paper_table}")
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size(%s)), pg_size_pretty(pg_relation_size(%s))",
                [paper_table, GIN_INDEX],
            )
            table_size, gin_size = cursor.fetchone()
        self.report.steps.append((f"VACUUM ANALYZE {paper_table}", time.perf_counter() - started))
        self.report.write(
            f"  VACUUM ANALYZE {paper_table}: {time.perf_counter() - started:.1f}s "
            f"(table with indexes {table_size}; {GIN_INDEX} {gin_size})"
        )
        return rate

    # 2. Paper list -------------------------------------------------------------------------------------------

    def _client(self) -> Client:
        client = Client()
        response = client.get(self.list_url)
        if response.status_code == 302:
            # The list needs a signed-in user: an ordinary account will do.
            user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
            client.force_login(user)
            response = client.get(self.list_url)
        if response.status_code != 200:
            raise CommandError(f"GET {self.list_url} answered {response.status_code}, not 200")
        return client

    def _measure(self) -> list[Scenario]:
        scenarios = [
            Scenario("unfiltered, page 1", lambda i: {}, UNFILTERED_TARGET_MS),
            Scenario(f"unfiltered, page {DEEP_PAGE}", lambda i: {"page": DEEP_PAGE}, UNFILTERED_TARGET_MS),
            Scenario("month filter 2023-01..03", lambda i: dict(MONTH_FILTER), UNFILTERED_TARGET_MS),
            Scenario(f"category {BROAD_CATEGORY}", lambda i: {"category": BROAD_CATEGORY}, UNFILTERED_TARGET_MS),
            Scenario(f"category {NARROW_CATEGORY}", lambda i: {"category": NARROW_CATEGORY}, UNFILTERED_TARGET_MS),
            Scenario("text search", lambda i: {"q": search_term(i)}, SEARCH_TARGET_MS, len(SEARCH_TERMS)),
            Scenario(f"search, broad: {BROAD_TERM}", lambda i: {"q": BROAD_TERM}, SEARCH_TARGET_MS),
            Scenario(f"search, narrow: {NARROW_TERM}", lambda i: {"q": NARROW_TERM}, SEARCH_TARGET_MS),
            Scenario(
                "text search + month filter",
                lambda i: {"q": search_term(i), **MONTH_FILTER},
                SEARCH_TARGET_MS,
                len(SEARCH_TERMS),
            ),
        ]
        for scenario in scenarios:
            time_scenario(scenario, self._get, runs=self.runs, warmup=self.warmup)
        self.report.scenarios(scenarios)
        self.report.medians_by_term(scenarios)
        return scenarios

    def _get(self, params: dict):
        response = self.client.get(self.list_url, params)
        if response.status_code != 200:
            raise CommandError(f"GET {self.list_url}?{params} answered {response.status_code}, not 200")
        return response

    def _print_matches(self) -> None:
        """How many papers each term matches: the work ranking and counting have to do."""
        self.report.write("  papers matching each search term (all months / 2023-01..03):")
        months = {"submitted_month__gte": datetime.date(2023, 1, 1), "submitted_month__lte": datetime.date(2023, 3, 1)}
        for term in (*SEARCH_TERMS, NARROW_TERM):
            matches = Paper.objects.search(term)
            self.report.write(f"    q={term:<26} {matches.count():>9,} / {matches.filter(**months).count():>7,}")

    # 3. Query plans ------------------------------------------------------------------------------------------

    def _indexes(self, scenarios: list[Scenario]) -> None:
        for scenario in scenarios:
            params = scenario.request(0)
            self.report.indexes_by_query(
                f"Indexes each query reads, paper list, {scenario.name} {params}",
                captured_queries(lambda params=params: self._get(params)),
            )

    def _explain(self, rarest_term: str) -> bool:
        gin_used = False
        # The broadest term is read along the list's order (it matches most rows); the narrow one shows the index.
        for title, params in (
            (f"text search q={SEARCH_TERMS[0]}", {"q": SEARCH_TERMS[0]}),
            (f"text search q={rarest_term}", {"q": rarest_term}),
            (f"text search + month filter q={SEARCH_TERMS[0]}", {"q": SEARCH_TERMS[0], **MONTH_FILTER}),
            ("unfiltered, page 1", {}),
            (f"unfiltered, page {DEEP_PAGE}", {"page": DEEP_PAGE}),
        ):
            plans = self.report.queries_and_plans(
                captured_queries(lambda params=params: self._get(params)),
                table_marker=Paper._meta.db_table,
                queries_heading=f"Queries of the list page, {title}",
                explain_heading=f"EXPLAIN (ANALYZE, BUFFERS), {title}",
                sql_limit=600,
            )
            if "q" in params and any(GIN_INDEX in plan for plan in plans):
                gin_used = True
        return gin_used

    # 4. Targets ----------------------------------------------------------------------------------------------

    def _targets(self, import_rate: float | None, scenarios: list[Scenario], gin_used: bool) -> list[Target]:
        wanted = f">= {IMPORT_TARGET:,} records/s"
        if import_rate is None:
            targets = [Target("import", "(skipped)", wanted, None)]
        else:
            targets = [Target("import", f"{import_rate:,.0f} rec/s", wanted, import_rate >= IMPORT_TARGET)]
        targets += [
            Target(f"list median, {s.name}", f"{s.median:.1f} ms", f"< {s.target_ms:.0f} ms", s.passed)
            for s in scenarios
        ]
        targets += [
            Target(f"list p95, {s.name}", f"{s.p95:.1f} ms", f"< {P95_TARGET_MS} ms", s.p95 < P95_TARGET_MS, s.load)
            for s in scenarios
        ]
        fixed = all(len(scenario.query_counts) == 1 for scenario in scenarios)
        targets.append(Target("fixed query count per page", "yes" if fixed else "no", "", fixed))
        targets.append(Target(f"search uses {GIN_INDEX}", "yes" if gin_used else "no", "", gin_used))
        return targets
