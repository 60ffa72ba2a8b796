"""What the corpus and the review benchmark share: timing a request over repeated runs, counting its queries,
capturing query plans, describing the machine, and printing it all as one report.

Both parts time with ``time_scenario`` and print through a ``Report``, so their figures are measured and laid out
the same way.
"""

import cProfile
import datetime
import io
import math
import os
import platform
import pstats
import re
import statistics
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.db import connection
from django.test.utils import CaptureQueriesContext

# Issue 11: every list page at a million papers answers within this at the 95th percentile.
P95_TARGET_MS = 200


@dataclass
class Scenario:
    """One kind of request timed over repeated runs: ``request(run)`` is what run number ``run`` sends (a list
    page's query parameters, or an annotation POST's URL and form data). A search cycles through ``variants``
    terms, one a run."""

    name: str
    request: Callable[[int], object]
    target_ms: float
    variants: int = 1
    timings_ms: list[float] = field(default_factory=list)
    query_counts: set[int] = field(default_factory=set)
    # The 1-minute load average when the timed runs ended: the machine is shared, so every figure carries it.
    load: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        return p95(self.timings_ms)

    @property
    def passed(self) -> bool:
        return self.median < self.target_ms

    def timings_by_term(self) -> dict[str, list[float]]:
        """The timed runs of a list scenario grouped by their search term (``q``), in the order they first ran."""
        grouped: dict[str, list[float]] = {}
        for run, elapsed_ms in enumerate(self.timings_ms):
            grouped.setdefault(self.request(run).get("q", ""), []).append(elapsed_ms)
        return grouped


def p95(values: list[float]) -> float:
    """The 95th percentile by the nearest-rank method: the value 95% of the runs did not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def time_scenario(
    scenario: Scenario,
    send: Callable[[object], object],
    *,
    runs: int,
    warmup: int,
    fresh_each_run: bool = False,
    prepare: Callable[[int], object] | None = None,
) -> None:
    """Send the scenario's requests: untimed warm-up first, then one counting SQL queries, then ``runs`` timed ones.

    A read-only page warms up with ``warmup`` passes over its variants and counts the queries of each variant. A
    write that must touch a fresh row every time (``fresh_each_run``) warms up and counts on requests of its own,
    numbered after the timed runs, so every timed run is a first touch too. ``prepare(run)``, untimed, comes
    before each request (say, a decision before timing a page that must then recompute).
    """
    if fresh_each_run:
        warmup_runs: Iterable[int] = range(runs + 1, runs + 1 + warmup)
        counted_runs: Iterable[int] = [runs]
    else:
        warmup_runs = [variant for _ in range(warmup) for variant in range(scenario.variants)]
        counted_runs = range(scenario.variants)
    prepare = prepare or (lambda run: None)
    for run in warmup_runs:
        prepare(run)
        send(scenario.request(run))
    for run in counted_runs:
        prepare(run)
        with CaptureQueriesContext(connection) as queries:
            send(scenario.request(run))
        scenario.query_counts.add(len(queries))
    for run in range(runs):
        prepare(run)
        request = scenario.request(run)
        started = time.perf_counter()
        send(request)
        scenario.timings_ms.append((time.perf_counter() - started) * 1000)
    scenario.load = current_load()


def time_alternating(
    pair: tuple[Scenario, Scenario],
    switches: tuple[Callable[[], object], Callable[[], object]],
    send: Callable[[object], object],
    *,
    runs: int,
    warmup: int,
) -> None:
    """Time two variants of one request (say, blind mode on and off) in alternation: before each request its
    ``switches`` entry (untimed) puts the data in that variant's state. Run by run, the two go one after the other
    (which goes first alternates), so a busy spell on a shared machine slows both alike and their ratio holds."""
    first, _ = pair
    for run in [variant for _ in range(warmup) for variant in range(first.variants)]:
        for switch, scenario in zip(switches, pair, strict=True):
            switch()
            send(scenario.request(run))
    for run in range(first.variants):
        for switch, scenario in zip(switches, pair, strict=True):
            switch()
            with CaptureQueriesContext(connection) as queries:
                send(scenario.request(run))
            scenario.query_counts.add(len(queries))
    for run in range(runs):
        order = (0, 1) if run % 2 == 0 else (1, 0)
        for side in order:
            switches[side]()
            request = pair[side].request(run)
            started = time.perf_counter()
            send(request)
            pair[side].timings_ms.append((time.perf_counter() - started) * 1000)
    for scenario in pair:
        scenario.load = current_load()


def paired_ratio(numerator: Scenario, denominator: Scenario) -> float:
    """The median, over runs timed in alternation, of one run's time over the other's."""
    return statistics.median(a / b for a, b in zip(numerator.timings_ms, denominator.timings_ms, strict=True) if b)


def current_load() -> float:
    return os.getloadavg()[0]


def captured_queries(send: Callable[[], object]) -> list[dict]:
    """The SQL ``send()`` runs, with each query's time, as Django's test utilities capture it."""
    with CaptureQueriesContext(connection) as queries:
        send()
    return queries.captured_queries


def main_queries(queries: list[dict], table_marker: str) -> list[str]:
    """A page's main query (its biggest SELECT mentioning ``table_marker``), its slowest if that is another (the
    ids of a page, say) and its paginator's COUNT, if any."""
    queries = [
        query
        for query in queries
        if query["sql"].lstrip().upper().startswith("SELECT") and table_marker in query["sql"]
    ]
    if not queries:
        return []
    selects = [query["sql"] for query in queries]
    chosen = [max(selects, key=len)]
    slowest = max(queries, key=lambda query: float(query.get("time") or 0))["sql"]
    chosen += [slowest] if slowest not in chosen and "COUNT(" not in slowest.upper() else []
    chosen += [sql for sql in selects if "COUNT(" in sql.upper() and sql not in chosen][:1]
    return chosen


def explain_analyze(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Target:
    """One line of the closing verdicts: ``passed`` is None for a figure that was not measured."""

    label: str
    value: str
    target: str
    passed: bool | None
    load: float | None = None


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def query_count_label(counts: set[int]) -> str:
    ordered = sorted(counts)
    return f"{ordered[0]}" if len(ordered) == 1 else f"{ordered[0]}..{ordered[-1]} (varies!)"


def load_label(load: float | None) -> str:
    return "?" if load is None else f"{load:.2f}"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def shorten(sql: str, limit: int) -> str:
    # The headline's highlight marks are control characters: show them escaped.
    sql = " ".join(sql.split()).replace("\x02", "\\x02").replace("\x03", "\\x03")
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


# The settings that change the list pages' plans and timings at a million papers (README: settings by size).
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "maintenance_work_mem",
    "random_page_cost",
    "max_parallel_workers_per_gather",
    "jit",
)
INDEX_IN_PLAN = re.compile(r"(?:Index Scan|Index Only Scan) (?:Backward )?using (\S+)|Bitmap Index Scan on (\S+)")
SEQ_SCAN_IN_PLAN = re.compile(r"Seq Scan on (\S+)")


def indexes_in_plan(plan: list[str]) -> list[str]:
    """The indexes a query plan reads, in the order it names them, and ``seq scan <table>`` for a table read
    whole."""
    used = []
    for line in plan:
        for match in INDEX_IN_PLAN.finditer(line):
            used.append(match.group(1) or match.group(2))
        used += [f"seq scan {table}" for table in SEQ_SCAN_IN_PLAN.findall(line)]
    return list(dict.fromkeys(used))


def machine_description() -> list[tuple[str, str]]:
    """Date, CPUs, load, memory, PostgreSQL and its settings, database, Python and Django: what a figure needs
    beside it to be compared with another."""
    cpu_model = _proc_value("/proc/cpuinfo", "model name", lambda line: line.split(":", 1)[1].strip())
    memory = _proc_value("/proc/meminfo", "MemTotal", lambda line: f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
        pg_settings = {}
        for name in PG_SETTINGS:
            cursor.execute(f"SHOW {name}")
            pg_settings[name] = cursor.fetchone()[0]
    db = connection.settings_dict
    return [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("nproc", f"{usable} (of {os.cpu_count()})"),
        ("load average", load_average()),
        ("CPU", cpu_model),
        ("memory", memory),
        ("PostgreSQL", pg_version),
        ("PG settings", ", ".join(f"{key}={value}" for key, value in pg_settings.items())),
        ("database", f"{db['NAME']} on {db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"),
        ("Python / Django", f"{platform.python_version()} / {django.get_version()}"),
    ]


def _proc_value(path: str, prefix: str, parse: Callable[[str], str]) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return parse(line)
    except OSError:
        pass
    return "unknown"


class Report:
    """The benchmark's printed report, on a management command's stdout and in its style."""

    def __init__(self, stdout, style):
        self.stdout, self.style = stdout, style
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str):
        """Time one step of the run (generating, importing, building the review, a group of pages) for the
        closing list of how long each took."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps.append((name, time.perf_counter() - started))

    def step_times(self) -> None:
        self.heading("How long each step took")
        for name, seconds in self.steps:
            self.write(f"  {name:<60} {seconds:8.1f}s")
        self.write(f"  {'in all':<60} {sum(seconds for _, seconds in self.steps):8.1f}s")

    def indexes_by_query(self, heading: str, queries: list[dict]) -> None:
        """Each SELECT of a page with the indexes its plan reads (EXPLAIN without ANALYZE: the plan, not a rerun)."""
        self.heading(heading)
        if connection.vendor != "postgresql":
            self.write("  (PostgreSQL only)")
            return
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            used = ", ".join(indexes_in_plan(plan)) or "no table read"
            self.write(f"  {float(query['time']) * 1000:5.0f} ms  {used:<60}  {shorten(sql, 90)}")

    def write(self, text: str = "") -> None:
        self.stdout.write(text)

    def heading(self, text: str) -> None:
        self.write("")
        self.write(self.style.MIGRATE_HEADING(f"== {text}"))

    def machine(self) -> None:
        self.heading("Machine")
        for label, value in machine_description():
            self.write(f"  {label:<16} {value}")

    def scenarios(
        self,
        scenarios: list[Scenario],
        *,
        first_column: str = "scenario",
        width: int = 28,
        matches: dict[str, int] | None = None,
    ) -> None:
        """Median, p95, min and max of each scenario, its SQL query count and its target; ``matches`` adds the
        rows each scenario's filter selects."""
        extra = f" {'matches':>8}" if matches is not None else ""
        self.write(
            f"  {first_column:<{width}}{extra} {'median':>9} {'p95':>9} {'min':>9} {'max':>9}  {'SQL queries':<12} "
            f"{'target':<16} load"
        )
        for scenario in scenarios:
            extra = f" {matches[scenario.name]:>8,}" if matches is not None else ""
            self.write(
                f"  {scenario.name:<{width}}{extra} {scenario.median:>6.1f} ms {scenario.p95:>6.1f} ms "
                f"{min(scenario.timings_ms):>6.1f} ms {max(scenario.timings_ms):>6.1f} ms  "
                f"{query_count_label(scenario.query_counts):<12} "
                f"{f'< {scenario.target_ms:.0f} ms  {verdict(scenario.passed)}':<16} {load_label(scenario.load)}"
            )

    def pairs(self, pairs: list[tuple[Scenario, Scenario]], *, names: tuple[str, str], target_ratio: float) -> None:
        """Scenarios timed in alternation (``time_alternating``): each side's median and p95, their paired ratio
        against ``target_ratio``, query counts and the load."""
        a, b = names
        self.write(
            f"  {'scenario':<26} {a + ' median':>13} {b + ' median':>13} {a + ' p95':>10} {b + ' p95':>10} "
            f"{'ratio':>6}  {'SQL queries':<12} load"
        )
        for first, second in pairs:
            ratio = paired_ratio(first, second)
            counts = f"{query_count_label(first.query_counts)} / {query_count_label(second.query_counts)}"
            self.write(
                f"  {first.name:<26} {first.median:>10.1f} ms {second.median:>10.1f} ms {first.p95:>7.1f} ms "
                f"{second.p95:>7.1f} ms {ratio:>6.2f}  {counts:<12} {load_label(first.load)}  "
                f"{verdict(ratio <= target_ratio)}"
            )

    def medians_by_term(self, scenarios: list[Scenario]) -> None:
        for scenario in scenarios:
            if scenario.variants > 1:
                self.write(f"  {scenario.name}, median by term:")
                for term, timings in scenario.timings_by_term().items():
                    self.write(f"    q={term:<26} {statistics.median(timings):>7.1f} ms  ({len(timings)} runs)")

    def queries_and_plans(
        self, queries: list[dict], *, table_marker: str, queries_heading: str, explain_heading: str, sql_limit: int
    ) -> list[str]:
        """Print a page's queries with their times, then EXPLAIN (ANALYZE, BUFFERS) of its main query and its
        COUNT; returns the plans printed."""
        self.heading(queries_heading)
        for query in queries:
            self.write(f"  {float(query['time']) * 1000:5.0f} ms  {shorten(query['sql'], 140)}")
        plans = []
        for sql in main_queries(queries, table_marker):
            self.heading(explain_heading)
            self.write(f"  {shorten(sql, sql_limit)}")
            plan = explain_analyze(sql)
            for line in plan:
                self.write(f"  {line}")
            self.write(f"  indexes used: {', '.join(indexes_in_plan(plan)) or 'none'}")
            plans.append("\n".join(plan))
        return plans

    def profile(self, heading: str, request: Callable[[int], object], *sorts: tuple[str, tuple], runs: int = 10):
        """A cProfile of ``runs`` calls of ``request(run)``, printed once per ``(sort key, print_stats arguments)``."""
        self.heading(heading)
        profiler = cProfile.Profile()
        profiler.enable()
        for run in range(runs):
            request(run)
        profiler.disable()
        report = io.StringIO()
        stats = pstats.Stats(profiler, stream=report)
        for key, restrictions in sorts:
            stats.sort_stats(key).print_stats(*restrictions)
        self.write(report.getvalue())

    def targets(self, targets: list[Target]) -> None:
        for target in targets:
            verdicts = [f"target {target.target}"] if target.target else []
            if target.passed is not None:
                verdicts.append(verdict(target.passed))
            if target.load is not None:
                verdicts.append(f"(load {target.load:.2f})")
            line = f"  {target.label:<44} {target.value:>13}"
            self.write(line + "   " + "  ".join(verdicts) if verdicts else line)

    def unavailable(self, label: str, reason: str) -> None:
        """A figure that could not be measured on this code, and why (say, its page is not built yet)."""
        self.write(f"  {label:<40} {reason}")
