"""On SQLite too, an import SIGKILLed while writing leaves nothing: the next connection ignores its write-ahead log's
uncommitted pages. A database file of its own, which `import_papers` processes share (the test database is in
memory), whatever database the other tests use."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from django.conf import settings as django_settings

from benchmarks.corpus_generator import CorpusGenerator, write_jsonl

RECORDS = 30_000
# The first 20,000-record chunk's papers fill tens of megabytes of the log; killed past this, it is mid-import.
WRITTEN_BYTES = 20_000_000


def manage(database, *arguments) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_TASKS_BACKEND": "immediate"}
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def counts(database) -> tuple[int, int, int]:
    with sqlite3.connect(database) as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("papers_paper", "papers_importbatch", "papers_paper_import_batches")
        )


def test_an_import_killed_while_writing_to_sqlite_leaves_nothing_and_the_next_run_succeeds(tmp_path):
    database = tmp_path / "db.sqlite3"
    corpus = tmp_path / "corpus.jsonl"
    with corpus.open("w") as out:
        write_jsonl(CorpusGenerator(seed=11).records(RECORDS), out)
    migrate = manage(database, "migrate", "--no-input", "-v0")
    assert migrate.wait(timeout=300) == 0, migrate.communicate()

    killed = manage(database, "import_papers", str(corpus), "--no-similar")
    log = tmp_path / "db.sqlite3-wal"
    deadline = time.monotonic() + 300
    while not (log.exists() and log.stat().st_size > WRITTEN_BYTES):
        assert killed.poll() is None, killed.communicate()
        assert time.monotonic() < deadline, "the import never got to writing"
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)

    assert killed.returncode == -signal.SIGKILL
    assert counts(database) == (0, 0, 0)

    again = manage(database, "import_papers", str(corpus), "--no-similar")
    out, err = again.communicate(timeout=600)

    assert again.returncode == 0, err
    papers, batches, links = counts(database)
    assert batches == 1
    assert papers == links > 20_000
    assert f"Imported 1 file(s): {papers} created" in out
