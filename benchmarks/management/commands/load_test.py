"""``manage.py load_test``: fifty reviewers screening one review at once, against gunicorn, for minutes.

Builds the review (benchmarks/load/team_review.py), starts gunicorn (one instance or more, production settings)
and a task worker, runs Locust headless (benchmarks/load/locustfile.py) with a simulated reviewer per account,
then reports throughput and p50/p95/p99 per request kind, the errors, the load average, and checks that the
summaries agree (``check_summaries``) and that every write a reviewer was told was saved is in the database.
``--restart-postgres-after`` stops the database's PostgreSQL cluster mid-load and starts it again.
"""

import os
import resource
import statistics
import threading
import time
import urllib.request
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tasks_db.models import DBTaskResult

from benchmarks.corpus_benchmark import CorpusBenchmark
from benchmarks.load import accepted_writes, ledger, plan, results, servers, team_review
from benchmarks.reporting import Report, load_average
from config.database_url import database_url
from papers.models import Paper
from reviews.models import Review


class Command(BaseCommand):
    help = (
        "Load test: N simulated reviewers (Locust) screen one blind review through gunicorn for --minutes, then "
        "the summaries and every accepted write are checked in the database. REPLACES the load-test review and, "
        "when the corpus is not --papers papers, EMPTIES THE PAPERS TABLES: a benchmark database only (its name "
        "must contain 'bench')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50, help="Simulated reviewers, one account each (50).")
        parser.add_argument("--minutes", type=float, default=10, help="How long the load runs (10).")
        parser.add_argument("--instances", type=int, default=1, help="gunicorn instances sharing the database (1).")
        parser.add_argument("--port", type=int, default=8101, help="The first instance's port (8101); then +1...")
        parser.add_argument("--papers", type=int, default=20_000, help="Generated corpus size, all in the review.")
        parser.add_argument("--spawn-rate", type=float, default=2, help="Users started per second (2).")
        parser.add_argument(
            "--restart-postgres-after",
            type=float,
            metavar="SECONDS",
            help="Stop the database's PostgreSQL cluster this long into the load and start it again after "
            "--outage seconds (needs --cluster).",
        )
        parser.add_argument("--outage", type=float, default=10, help="Seconds PostgreSQL stays down (10).")
        parser.add_argument(
            "--cluster", help="The PostgreSQL cluster DATABASE_URL points at, as VERSION/NAME (e.g. 15/loadtest)."
        )
        parser.add_argument("--output", type=Path, help="Directory for the plan, logs and Locust's CSV files.")
        parser.add_argument(
            "--no-priority",
            action="store_true",
            help="Screening in the review's order instead of each reviewer's priority order (no retraining in the "
            "task worker), to measure what retraining costs the pages.",
        )
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        self._require_benchmark_database()
        if options["restart_postgres_after"] is not None and not options["cluster"]:
            raise CommandError("--restart-postgres-after needs --cluster VERSION/NAME (the cluster to restart).")
        report = Report(self.stdout, self.style)
        started_at = datetime.now(UTC)
        output = options["output"] or Path(settings.BASE_DIR) / "var" / "load" / started_at.strftime("%Y%m%d-%H%M%S")
        output.mkdir(parents=True, exist_ok=True)
        report.machine()

        report.heading("The review")
        if Paper.objects.count() != options["papers"]:
            CorpusBenchmark(report, runs=1, warmup=0).generate_and_import(
                options["papers"], seed=options["seed"], keep=False
            )
        began = time.perf_counter()
        # What an import queues (the similar papers of new papers) is done here, before the load, not by the
        # task worker during it: the worker then runs only what the reviewers' work queues.
        call_command("compute_similar", missing_only=True, stdout=StringIO())
        DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).delete()
        team = team_review.build(
            list(Paper.objects.values_list("pk", flat=True)),
            options["users"],
            options["seed"],
            priority=not options["no_priority"],
        )
        screened = ", ".join(f"{count:,} {kind}" for kind, count in team.screened.items())
        report.write(
            f"  {team.review.review_papers.count():,} papers, blind, 2 screeners a paper, {options['users']} reviewers "
            f"+ owner + resolver; screening by {'the review order' if options['no_priority'] else 'priority'}; "
            f"already screened: {screened}; the rest assigned in pairs "
            f"(built in {time.perf_counter() - began:.0f}s)"
        )

        ports = [options["port"] + number for number in range(options["instances"])]
        base_urls = [f"http://127.0.0.1:{port}" for port in ports]
        plan_path = plan.write_plan(team.review, team.reviewers, base_urls, output)
        environment = servers.production_environment(database_url())
        prefix = output / "locust"
        load_samples: list[float] = []
        restart: dict[str, float] = {}
        report.heading(
            f"Load: {options['users']} reviewers for {options['minutes']:g} min on {len(ports)} gunicorn instance"
            f"{'s' * (len(ports) > 1)} (3 processes x 4 threads each) and a task worker"
        )
        tasks_before = self._task_counts()
        with servers.app_servers(ports, environment, output) as running:
            worker = running.worker
            database = connection.settings_dict["NAME"]
            cpu_before = running.cpu_seconds(database)
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            sampler = _Sampler(load_samples)
            sampler.start()
            restarter = None
            if options["restart_postgres_after"] is not None:
                restarter = threading.Thread(
                    target=self._restart_postgres,
                    args=(options["cluster"], options["restart_postgres_after"], options["outage"], ports, restart),
                    daemon=True,
                )
                restarter.start()
            locust = servers.run_locust(
                plan_path,
                prefix,
                users=options["users"],
                spawn_rate=options["spawn_rate"],
                seconds=round(options["minutes"] * 60),
                log_path=output / "locust.log",
            )
            if restarter is not None:
                restarter.join()
            sampler.stop()
            cpu = _cpu_used(cpu_before, running.cpu_seconds(database), children_before)
            # This process's own connection did not survive a restart of PostgreSQL.
            connection.close()
            cross_instance = self._compare_instances(ports) if len(ports) > 1 else None
        self._report_load(report, prefix, load_samples, restart, locust)
        wall = options["minutes"] * 60
        report.write(
            "  CPU used during the load: "
            + ", ".join(f"{name} {seconds:.0f} s ({seconds / wall:.2f} cores)" for name, seconds in cpu.items())
            + f" of 2 cores x {wall:.0f} s"
        )
        self._report_checks(report, team.review, output, tasks_before, cross_instance)
        if worker.restarts:
            report.write(
                f"  the task worker exited {worker.restarts} time(s) (it does not survive losing the database) and "
                f"was started again {servers.Supervised.RESTART_SECONDS} s later, as systemd's Restart=always does"
            )
        report.write(f"\n  results in {output}; load average at the end: {load_average()}")

    # --- Setting up ---

    def _require_benchmark_database(self) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The load test runs on PostgreSQL only: set DATABASE_URL to a benchmark database.")
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            raise CommandError(f"The database {name!r} is not a benchmark database (its name must contain 'bench').")

    # --- Running ---

    def _restart_postgres(self, cluster: str, after: float, outage: float, ports: list[int], found: dict) -> None:
        time.sleep(after)
        found["stopped"] = time.time()
        servers.pg_ctlcluster(cluster, "stop")
        time.sleep(outage)
        servers.pg_ctlcluster(cluster, "start")
        found["started"] = time.time()
        for port in ports:
            servers.wait_healthy(f"http://127.0.0.1:{port}", timeout=120)
        found["healthy"] = time.time()

    def _compare_instances(self, ports: list[int]) -> list[str]:
        """The owner's dashboard (whose counts each process caches) from every instance: the same numbers."""
        import re

        pages = []
        for port in ports:
            pages.append(self._owner_page(port, f"/reviews/{team_review.SLUG}/dashboard/"))
        strip = re.compile(r'value="[^"]{32,}"|"X-CSRFToken": "[^"]+"|nonce="[^"]+"')
        texts = [strip.sub("", page) for page in pages]
        return [] if all(text == texts[0] for text in texts) else ["the dashboards differ between instances"]

    def _owner_page(self, port: int, path: str) -> str:
        """A page as the review's owner sees it, from one instance (a session made directly in the database)."""
        from django.contrib.auth import get_user_model
        from django.contrib.sessions.backends.db import SessionStore

        with _production_settings():
            user = get_user_model().objects.get(username=team_review.OWNER)
            session = SessionStore()
            session["_auth_user_id"] = str(user.pk)
            session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            session["_auth_user_hash"] = user.get_session_auth_hash()
            session.create()
        request = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{port}{path}",
            headers={
                "Host": plan.PUBLIC_HOST,
                "X-Forwarded-Proto": "https",
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.read().decode()

    # --- Reporting ---

    def _report_load(self, report: Report, prefix: Path, samples: list[float], restart: dict, exit_code: int):
        kinds = results.read_stats(prefix)
        failures = results.read_failures(prefix)
        report.write(
            f"  {'request kind':<20} {'method':<6} {'requests':>8} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} "
            f"{'max':>7} {'errors':>6} {'503s':>5}  p95 < {results.TARGET_P95_MS} ms"
        )
        errors_by_kind, outages_by_kind = {}, {}
        for failure in failures:
            counted = outages_by_kind if results.OUTAGE in failure.error else errors_by_kind
            key = (failure.method, failure.name)
            counted[key] = counted.get(key, 0) + failure.occurrences
        for kind in sorted(kinds, key=lambda kind: (kind.name == "Aggregated", -kind.requests)):
            key = (kind.method, kind.name)
            errors = errors_by_kind.get(key, 0) if kind.name != "Aggregated" else sum(errors_by_kind.values())
            outages = outages_by_kind.get(key, 0) if kind.name != "Aggregated" else sum(outages_by_kind.values())
            target = kind.meets_target
            verdict = "" if target is None else ("PASS" if target else "FAIL")
            report.write(
                f"  {kind.name:<20} {kind.method:<6} {kind.requests:>8,} {kind.rps:>6.1f} {kind.p50:>6.0f} "
                f"{kind.p95:>6.0f} {kind.p99:>6.0f} {kind.max_ms:>7.0f} {errors:>6} {outages:>5}  {verdict}"
            )
        report.write("  (times in ms; 503s: 'temporarily unavailable' answers while the database was away)")
        for failure in failures:
            if results.OUTAGE not in failure.error:
                report.write(f"  error: {failure.method} {failure.name}: {failure.error} x{failure.occurrences}")
        if samples:
            report.write(
                f"  load average (1 min) during the run: mean {statistics.mean(samples):.2f}, max {max(samples):.2f} "
                f"(2 cores; sampled every 10 s)"
            )
        if restart:
            self._report_restart(report, prefix, restart)
        if exit_code not in (0, 1):
            report.write(report.style.ERROR(f"  Locust exited with {exit_code}: see locust.log"))

    def _report_restart(self, report: Report, prefix: Path, restart: dict) -> None:
        report.write(
            f"  PostgreSQL stopped at +0 s, started at +{restart['started'] - restart['stopped']:.1f} s; every "
            f"instance's /healthz answered 200 at +{restart.get('healthy', float('nan')) - restart['stopped']:.1f} s "
            "(no gunicorn restart)"
        )
        history = results.failures_over_time(prefix)
        failing = [t for (t, _, f), (_, _, before) in zip(history[1:], history, strict=False) if f > before]
        if failing:
            report.write(
                f"  failures were counted from +{failing[0] - restart['stopped']:.0f} s to "
                f"+{failing[-1] - restart['stopped']:.0f} s (Locust's history, every few seconds)"
            )
        after = [(t, n) for t, n, _ in history if t > restart.get("healthy", restart["started"]) + 5]
        if len(after) > 1:
            report.write(f"  requests answered after the recovery: {after[-1][1] - after[0][1]:,}")

    def _report_checks(self, report, review: Review, output: Path, tasks_before: dict, cross_instance) -> None:
        report.heading("Checks")
        summaries = StringIO()
        try:
            call_command("check_summaries", team_review.SLUG, stdout=summaries)
            report.write(f"  check_summaries: {summaries.getvalue().strip().splitlines()[-1]}  PASS")
        except CommandError as error:
            report.write(report.style.ERROR(f"  check_summaries: {error}  FAIL"))
            for line in summaries.getvalue().splitlines()[:10]:
                report.write(f"    {line}")
        records = ledger.load(output / "ledger.json")
        missing = accepted_writes.missing_writes(review, records)
        counted = ", ".join(f"{n:,} {kind}s" for kind, n in sorted(accepted_writes.count_by_kind(records).items()))
        verdict = "PASS" if not missing else f"FAIL: {len(missing)} missing"
        report.write(f"  accepted writes in the database: {counted} (last per user and paper) checked  {verdict}")
        for line in missing[:20]:
            report.write(f"    {line}")
        tasks = {status: n - tasks_before.get(status, 0) for status, n in self._task_counts().items()}
        report.write(f"  background tasks during the run (task worker): {tasks or 'none'}")
        if cross_instance is not None:
            report.write(
                "  sessions and CSRF tokens crossed instances on every request; dashboard's cached counts from each "
                f"instance agree: {'PASS' if not cross_instance else 'FAIL'}"
            )

    def _task_counts(self) -> dict[str, int]:
        from django.db.models import Count

        rows = DBTaskResult.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
        return dict(rows)


def _cpu_used(before: dict[str, float], after: dict[str, float], children_before) -> dict[str, float]:
    """CPU seconds used between two readings, PostgreSQL's backends summed, Locust's (a finished child) added."""
    used = {"gunicorn": 0.0, "task worker": 0.0, "PostgreSQL": 0.0}
    for name, seconds in after.items():
        used["PostgreSQL" if name.startswith("postgres:") else name] += seconds - before.get(name, 0.0)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["Locust"] = children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
    return used


class _Sampler(threading.Thread):
    """The 1-minute load average every 10 s, while the load runs."""

    def __init__(self, samples: list[float]):
        super().__init__(daemon=True)
        self.samples, self._stop_event = samples, threading.Event()

    def run(self):
        while not self._stop_event.wait(10):
            self.samples.append(os.getloadavg()[0])

    def stop(self):
        self._stop_event.set()
        self.join()


class _production_settings:  # noqa: N801
    """The session's auth hash uses the secret key the app servers run with."""

    def __enter__(self):
        from django.test import override_settings

        self._override = override_settings(SECRET_KEY=servers.SECRET_KEY)
        self._override.enable()

    def __exit__(self, *exc):
        self._override.disable()
