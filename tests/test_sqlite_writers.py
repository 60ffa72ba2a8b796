"""SQLite serves a small team: concurrent writers wait for each other instead of failing."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent / "sqlite_writers.py"


def test_overlapping_write_transactions_on_sqlite_both_succeed(tmp_path):
    # pytest-django's in-memory SQLite cannot be shared by threads, so a file database in its own process.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'team.sqlite3'}", "DJANGO_DEBUG": "true"}
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr

    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    assert outcome["journal_mode"] == "wal"
    assert outcome["with_settings"] == {"count": 2, "errors": []}
    # The same overlap in SQLite's default (deferred) transactions loses a writer: the test can tell.
    assert outcome["without"]["count"] == 1
    assert any("database is locked" in error for error in outcome["without"]["errors"])
