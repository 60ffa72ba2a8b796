"""What the simulated reviewers were told was saved, to be found in the database afterwards.

A write the server accepted (a 2xx or 3xx answer) must be there. A write whose fate is unknown (a 5xx answer, a
dropped connection: the transaction may have committed before the failure) may or may not be: for decisions and
scores, where the last write wins, the database may then hold the last accepted value or any such later one.
Plain Python, no Django: the Locust process writes it, the load test's runner reads it
(benchmarks/load/accepted_writes.py compares it with the database).
"""

import json
from pathlib import Path

# Last write wins: the value a user last set on a paper.
DECISION, SCORE = "decision", "score"
# Added, never removed by the load: each accepted one must exist.
TAG, COMMENT = "tag", "comment"


class Ledger:
    def __init__(self):
        self.latest: dict[tuple[str, str, int], dict] = {}
        self.added: set[tuple[str, str, int, str]] = set()

    def accepted(self, kind: str, user: str, paper_id: int, value) -> None:
        if kind in (TAG, COMMENT):
            self.added.add((kind, user, paper_id, value))
        else:
            self.latest[kind, user, paper_id] = {"value": value, "maybe": []}

    def uncertain(self, kind: str, user: str, paper_id: int, value) -> None:
        """A write that may have been applied: the database may hold it instead of the last accepted value."""
        entry = self.latest.get((kind, user, paper_id))
        if kind in (DECISION, SCORE) and entry is not None:
            entry["maybe"].append(value)

    def records(self) -> list[dict]:
        latest = [
            {"kind": kind, "user": user, "paper": paper_id, **entry}
            for (kind, user, paper_id), entry in self.latest.items()
        ]
        added = [
            {"kind": kind, "user": user, "paper": paper_id, "value": value}
            for kind, user, paper_id, value in self.added
        ]
        return latest + added

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.records()), encoding="utf-8")


def load(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
