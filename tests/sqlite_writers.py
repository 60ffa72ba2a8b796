"""Two overlapping write transactions on a file-based SQLite database; run by test_sqlite_writers.py.

Usage: DATABASE_URL=sqlite:////tmp/x.sqlite3 python tests/sqlite_writers.py. Migrates, then runs the
overlap twice, with the project's settings and without its transaction mode and timeout, and prints
what happened as JSON.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from papers.models import ImportBatch  # noqa: E402


def overlapping_increments() -> dict:
    """Two threads add 1 to one counter, each reading it and writing it back in one transaction.

    The first reads, lets the second start, and writes a second later; the second does everything at once.
    """
    counter = ImportBatch.objects.create(file_name="counter", format="csv")
    first_has_read = threading.Event()
    errors = []

    def increment(is_first: bool):
        try:
            if not is_first:
                first_has_read.wait(timeout=10)
            with transaction.atomic():
                batch = ImportBatch.objects.get(pk=counter.pk)
                if is_first:
                    first_has_read.set()
                    time.sleep(1)
                batch.record_count += 1
                batch.save(update_fields=["record_count"])
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
            first_has_read.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=increment, args=(is_first,)) for is_first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    counter.refresh_from_db()
    return {"count": counter.record_count, "errors": errors}


call_command("migrate", verbosity=0)
with connection.cursor() as cursor:
    journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
with_settings = overlapping_increments()
options = settings.DATABASES["default"]["OPTIONS"]
options.pop("transaction_mode")
options["timeout"] = 1
connections.close_all()
without_settings = overlapping_increments()
print(json.dumps({"journal_mode": journal_mode, "with_settings": with_settings, "without": without_settings}))
