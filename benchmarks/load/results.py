"""Locust's CSV results read back: per request kind, throughput and percentiles; failures split into errors and
the expected 503s of a database outage."""

import csv
from dataclasses import dataclass
from pathlib import Path

TARGET_P95_MS = 300
# How the locustfile names a 503 "temporarily unavailable" answer (benchmarks/load/locustfile.py's OUTAGE).
OUTAGE = "503 temporarily unavailable"
# The login's time is PBKDF2's, which is slow on purpose (about 0.5 s of CPU a login): no p95 target.
UNTIMED_KINDS = {"login"}


@dataclass
class Kind:
    name: str
    method: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max_ms: float

    @property
    def meets_target(self) -> bool | None:
        if self.name in UNTIMED_KINDS or self.name == "Aggregated":
            return None
        return self.p95 < TARGET_P95_MS


@dataclass
class Failure:
    method: str
    name: str
    error: str
    occurrences: int


def read_stats(prefix: Path) -> list[Kind]:
    with Path(f"{prefix}_stats.csv").open(newline="", encoding="utf-8") as handle:
        return [
            Kind(
                name=row["Name"],
                method=row["Type"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                rps=float(row["Requests/s"]),
                p50=_number(row["50%"]),
                p95=_number(row["95%"]),
                p99=_number(row["99%"]),
                max_ms=_number(row["Max Response Time"]),
            )
            for row in csv.DictReader(handle)
        ]


def read_failures(prefix: Path) -> list[Failure]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Failure(row["Method"], row["Name"], row["Error"], int(row["Occurrences"])) for row in csv.DictReader(handle)
        ]


def failures_over_time(prefix: Path) -> list[tuple[int, int, int]]:
    """(unix time, total requests, total failures) every few seconds, from Locust's history file."""
    path = Path(f"{prefix}_stats_history.csv")
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            (int(row["Timestamp"]), int(row["Total Request Count"]), int(row["Total Failure Count"]))
            for row in csv.DictReader(handle)
            if row["Name"] == "Aggregated"
        ]


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0
