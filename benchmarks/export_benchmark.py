"""The export part of the benchmark: the whole benchmark review as CSV (target: 100,000 papers in under 20 s,
streaming in flat memory), and the other formats for comparison.

Each export runs as the review's owner through ``reviews.exporting.export_pieces`` — what the browser's download
and ``manage.py export_review`` stream — into /dev/null. Memory is the process's resident set read from /proc
after every piece: "flat" means the peak is reached early (the first chunks load the code and warm the caches)
and does not grow with the papers written. ``resource.getrusage`` gives the peak of the whole process too.
The process's CPU time is printed beside the wall time: on a shared machine the wall time mostly measures the
wait for a CPU (the database server's work is in the wall time only).
"""

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from reviews.exporting import export_pieces, prepare
from reviews.models import Membership, Review, Role

from .reporting import Report, Target, current_load

CSV_TARGET_SECONDS = 20
# The resident set may grow this much after the first tenth of the file and still count as flat.
FLAT_GROWTH_MIB = 30


def resident_mib() -> float:
    """The process's resident set now, in MiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def peak_resident_mib() -> float:
    """The process's peak resident set so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class ExportRun:
    fmt: str
    papers: int
    seconds: float
    cpu_seconds: float
    megabytes: float
    resident_after_tenth: float
    resident_peak: float
    process_peak: float
    load: float

    @property
    def growth(self) -> float:
        return self.resident_peak - self.resident_after_tenth


def time_export(review: Review, fmt: str) -> ExportRun:
    owner = Membership.objects.select_related("review", "user").filter(review=review, role=Role.OWNER).first()
    papers = review.review_papers.count()
    export = prepare(owner, fmt)
    written = 0
    samples = []
    started, cpu_started = time.perf_counter(), time.process_time()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for piece in export_pieces(export, fmt):
            sink.write(piece)
            written += len(piece.encode())
            samples.append(resident_mib())
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    tenth = samples[max(0, len(samples) // 10 - 1)] if samples else resident_mib()
    return ExportRun(
        fmt=fmt,
        papers=papers,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        megabytes=written / 1024 / 1024,
        resident_after_tenth=tenth,
        resident_peak=max(samples, default=tenth),
        process_peak=peak_resident_mib(),
        load=current_load(),
    )


class ExportBenchmark:
    def __init__(self, report: Report, *, formats=("csv", "jsonl", "ris", "bibtex")):
        self.report = report
        self.formats = formats

    def run(self, review: Review) -> list[Target]:
        report = self.report
        report.heading(f"Export: the review {review.slug!r} as its owner, streamed to /dev/null")
        targets = []
        for fmt in self.formats:
            result = time_export(review, fmt)
            rate = result.papers / result.seconds if result.seconds else float("inf")
            report.write(
                f"  {fmt:<7} {result.papers:>9,} papers  {result.seconds:7.1f}s ({rate:,.0f} papers/s, "
                f"{result.cpu_seconds:.1f}s of this process's CPU)  "
                f"{result.megabytes:8.1f} MiB written  resident {result.resident_after_tenth:.0f} MiB after a tenth, "
                f"peak {result.resident_peak:.0f} MiB (process peak {result.process_peak:.0f} MiB)  "
                f"load {result.load:.2f}"
            )
            if fmt == "csv":
                targets.append(
                    Target(
                        f"CSV export of {result.papers:,} papers",
                        f"{result.seconds:.1f} s",
                        f"< {CSV_TARGET_SECONDS} s",
                        result.seconds < CSV_TARGET_SECONDS,
                        result.load,
                    )
                )
                targets.append(
                    Target(
                        "CSV export memory growth after a tenth",
                        f"{result.growth:+.0f} MiB",
                        f"< {FLAT_GROWTH_MIB} MiB (flat)",
                        result.growth < FLAT_GROWTH_MIB,
                        result.load,
                    )
                )
        return targets
