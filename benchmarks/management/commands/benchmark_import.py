"""``manage.py benchmark_import``: import a large generated JSONL file and report time, speed and peak memory.

The file is generated first (``generate_corpus``, in a process of its own so that its memory is not counted)
and kept for the next run. The import is the one every upload goes through (papers.importers.import_files,
streaming from disk). Peak memory is the process's maximum resident set (getrusage's ru_maxrss); the resident
set is also sampled at every 100,000 records, to show whether it stays flat.
"""

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from benchmarks import site_probe
from benchmarks.reporting import load_average, machine_description
from papers.importers import import_files
from papers.models import ImportBatch, Paper

SAMPLE_EVERY = 100_000
MEMORY_TARGET_MB = 500


def resident_mb() -> float:
    """The resident set now, in MB (Linux's /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class Command(BaseCommand):
    help = (
        "Generate a JSONL corpus of N records (kept in bench-data/) and import it, printing seconds, records/s, "
        "peak memory and the load average. Meant for PostgreSQL (DATABASE_URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=1_000_000, help="Records in the file (default 1M).")
        parser.add_argument("--seed", type=int, default=1, help="Corpus seed (default 1).")
        parser.add_argument("--file", type=Path, help="JSONL file to import (default bench-data/import-N.jsonl).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Import, then roll back (the database keeps nothing)."
        )
        parser.add_argument(
            "--empty-first",
            action="store_true",
            help="DELETE every paper and import batch first, so that every record is new (benchmark databases only).",
        )
        parser.add_argument(
            "--probe",
            action="store_true",
            help="Meanwhile time the paper list, a search, a review's list and a decision from another process "
            "(manage.py probe_site), to show the site keeps answering while the import runs.",
        )

    def handle(self, *args, records, seed, file, dry_run, empty_first, probe, **options):
        if records < 1:
            raise CommandError("--records must be at least 1")
        path = file or Path(settings.BASE_DIR) / "bench-data" / f"import-{records}-seed{seed}.jsonl"
        if not path.exists():
            self._generate(path, records, seed)
        if empty_first:
            self._empty()
        before = Paper.objects.count()
        self.stdout.write(
            f"Database: {connection.vendor} ({connection.settings_dict['NAME']}), {before:,} papers before. "
            f"File: {path} ({path.stat().st_size / 1e6:,.0f} MB). Load average {load_average()}."
        )
        if connection.vendor == "postgresql":
            for name, value in machine_description():
                self.stdout.write(f"  {name}: {value}")
        else:
            self.stdout.write("  (not PostgreSQL: the figures are not the ones the README quotes)")
        samples = []
        next_sample = {"checking": 0, "writing": 0}
        self.stdout.write(f"Resident set before the import: {resident_mb():,.0f} MB")

        def sample(phase: str, done: int, total: int) -> None:
            step = SAMPLE_EVERY if phase == "writing" else total // 10 or 1
            if done >= next_sample[phase] or done == total:
                samples.append((phase, done, total, resident_mb(), time.perf_counter() - started))
                next_sample[phase] = done + step
                self._show(*samples[-1])

        probing = self._start_probe() if probe else None
        started = time.perf_counter()
        try:
            report = import_files([(path.name, path)], dry_run=dry_run, on_progress=sample)
        finally:
            elapsed = time.perf_counter() - started
            if probing:
                self._finish_probe(*probing)
        if not report.ok:
            for problem in report.errors[:20]:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(report.errors)} problem(s): nothing was imported.")
        peak = peak_mb()
        self.stdout.write("\n".join(report.summary_lines()))
        self.stdout.write(
            f"Imported {records:,} records in {elapsed:,.1f} s: {records / elapsed:,.0f} records/s; "
            f"peak resident memory {peak:,.0f} MB (target < {MEMORY_TARGET_MB} MB: "
            f"{'PASS' if peak < MEMORY_TARGET_MB else 'FAIL'}); load average {load_average()}."
        )

    def _start_probe(self):
        site_probe.prepare()  # its user, review and paper exist before the import starts
        folder = Path(tempfile.mkdtemp(prefix="marginalia-probe-"))
        stop, output = folder / "stop", folder / "timings.json"
        command = [sys.executable, "manage.py", "probe_site", "--until", str(stop), "--output", str(output)]
        process = subprocess.Popen(command, cwd=settings.BASE_DIR)  # noqa: S603
        self.stdout.write(f"Probing the site from process {process.pid} while the import runs …")
        return process, stop, output

    def _finish_probe(self, process, stop: Path, output: Path) -> None:
        stop.touch()
        process.wait(timeout=120)
        if not output.exists():
            self.stderr.write("The probe wrote no timings (see its error above).")
            return
        self.stdout.write("What the site answered while the import ran (from another process):")
        self.stdout.write("\n".join(site_probe.summary_lines(json.loads(output.read_text()))))

    def _show(self, phase: str, done: int, total: int, rss: float, at: float) -> None:
        unit = "bytes" if phase == "checking" else "records"
        self.stdout.write(f"  {at:7.1f}s  {phase:8} {done:>13,} / {total:,} {unit}: resident {rss:,.0f} MB")
        self.stdout.flush()

    def _generate(self, path: Path, records: int, seed: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Generating {records:,} records into {path} …")
        partial = path.with_suffix(".partial")
        command = [sys.executable, "manage.py", "generate_corpus", str(records), "--seed", str(seed)]
        subprocess.run([*command, "-o", str(partial)], cwd=settings.BASE_DIR, check=True)  # noqa: S603
        partial.rename(path)

    def _empty(self) -> None:
        self.stdout.write("Emptying the papers and import batches (--empty-first) …")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                tables = [Paper._meta.db_table, ImportBatch._meta.db_table]
                cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            else:
                Paper.objects.all().delete()
                ImportBatch.objects.all().delete()
