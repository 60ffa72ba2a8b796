"""Our simulation against ASReview's on the same labelled datasets and seeds, each tool run as its own command.

Both start from the same include and exclude (ASReview's ``--prior-seed`` draw, which ours reproduces), each
writes its screening order, and the metrics of both orders are computed by the same code
(reviews/ranking/metrics.py), so the only difference is the tool. Times are wall-clock seconds of the whole
command (start-up, reading the file, features, the replay and writing the order), with the machine's 1-minute
load average beside them: the machine is shared.
"""

import csv
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from reviews.ranking.labelled_file import read_labelled_csv
from reviews.ranking.metrics import RECALL_POINTS, ScreeningMetrics, screening_metrics


@dataclass(frozen=True)
class Run:
    dataset: str
    seed: int
    tool: str
    metrics: ScreeningMetrics
    timing: "Timing"
    starting: tuple[str, str]  # the include and exclude it started from


@dataclass(frozen=True)
class Timing:
    seconds: float  # wall clock
    cpu: float  # user + system CPU seconds of the command: what the tool costs, less sensitive to the load
    load: float  # the 1-minute load average when it ended


def _timed(command: list[str], workdir: Path) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Run in the scratch directory: ASReview leaves a dataset cache (synergy_cache.sqlite) where it runs.
    completed = subprocess.run(  # noqa: S603 - our own argv
        command, capture_output=True, text=True, check=False, cwd=workdir
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(seconds, cpu, os.getloadavg()[0])


def ours(path: Path, seed: int, model: str, workdir: Path) -> tuple[list[str], "Timing"]:
    """Our command's order (record ids) and its timing."""
    order_file = workdir / f"ours-{path.stem}-{seed}.csv"
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "simulate_screening", str(path.resolve())]
    command += ["--label-column", "label", "--model", model, "--seed", str(seed), "--output", str(order_file)]
    timing = _timed(command, workdir)
    with order_file.open(encoding="utf-8", newline="") as handle:
        return [row["record_id"] for row in csv.DictReader(handle)], timing


def asreview(path: Path, seed: int, executable: str, workdir: Path) -> tuple[list[int], "Timing"]:
    """ASReview's order (rows of the file, 0 = first record) and its timing. Its results table stops at the
    last include; the records it never screened follow, in file order (all excludes: no metric depends on it)."""
    project = workdir / f"asreview-{path.stem}-{seed}.asreview"
    command = [executable, "simulate", str(path.resolve()), "--n-prior-included", "1", "--n-prior-excluded", "1"]
    command += ["--prior-seed", str(seed), "--seed", str(seed), "-o", str(project)]
    timing = _timed(command, workdir)
    database = workdir / f"results-{path.stem}-{seed}.db"
    with zipfile.ZipFile(project) as archive:
        database.write_bytes(archive.read("results.db"))
    connection = sqlite3.connect(database)
    try:
        row_of = dict(connection.execute("SELECT record_id, dataset_row FROM record"))
        screened = [row_of[record] for (record,) in connection.execute("SELECT record_id FROM results ORDER BY rowid")]
    finally:
        connection.close()
    return screened, timing


def compare(paths: list[Path], seeds: list[int], model: str, executable: str, progress=None) -> list[Run]:
    """Both tools on every dataset and seed, ours first then ASReview's for each pair."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="compare-asreview-") as directory:
        workdir = Path(directory)
        for path in paths:
            dataset = read_labelled_csv(path, "label")
            row_of_id = {record_id: row for row, record_id in enumerate(dataset.record_ids)}
            for seed in seeds:
                order, timing = ours(path, seed, model, workdir)
                rows = [row_of_id[record_id] for record_id in order]
                runs.append(_run(path, seed, f"ours ({model})", dataset, rows, timing))
                if progress:
                    progress(runs[-1])
                screened, timing = asreview(path, seed, executable, workdir)
                seen = set(screened)
                rows = screened + [row for row in range(len(dataset)) if row not in seen]
                runs.append(_run(path, seed, "ASReview 3.0.8 (ELAS u4)", dataset, rows, timing))
                if progress:
                    progress(runs[-1])
    return runs


def _run(path, seed, tool, dataset, rows, timing) -> Run:
    metrics = screening_metrics([dataset.labels[row] for row in rows])
    starting = (dataset.record_ids[rows[0]], dataset.record_ids[rows[1]])
    return Run(path.stem, seed, tool, metrics, timing, starting)


HEADER = (
    "| dataset | seed | tool | start (incl., excl.) | recall@5% | recall@10% | recall@25% | WSS@95 | ATD (records) "
    "| seconds | CPU seconds | load |"
)


def table_row(run: Run) -> str:
    metrics = run.metrics
    return (
        f"| {run.dataset} | {run.seed} | {run.tool} | {run.starting[0]}, {run.starting[1]} | "
        + " | ".join(f"{metrics.recall[share]:.1%}" for share in RECALL_POINTS)
        + f" | {metrics.wss95:.1%} | {metrics.atd:.1f} ({metrics.atd_share:.1%}) | "
        f"{run.timing.seconds:.1f} | {run.timing.cpu:.1f} | {run.timing.load:.2f} |"
    )


def mean_rows(runs: list[Run]) -> list[str]:
    """Per dataset and tool, the means over the seeds."""
    lines = []
    keys = dict.fromkeys((run.dataset, run.tool) for run in runs)
    for dataset, tool in keys:
        group = [run for run in runs if run.dataset == dataset and run.tool == tool]

        def mean(values):
            return sum(values) / len(values)

        lines.append(
            f"| {dataset} | mean of {len(group)} | {tool} | | "
            + " | ".join(f"{mean([r.metrics.recall[share] for r in group]):.1%}" for share in RECALL_POINTS)
            + f" | {mean([r.metrics.wss95 for r in group]):.1%} | "
            f"{mean([r.metrics.atd for r in group]):.1f} ({mean([r.metrics.atd_share for r in group]):.1%}) | "
            f"{mean([r.timing.seconds for r in group]):.1f} | {mean([r.timing.cpu for r in group]):.1f} | |"
        )
    return lines
