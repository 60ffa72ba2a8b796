"""``manage.py probe_site --until FILE --output FILE``: time pages and a decision until FILE exists (see site_probe)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings

from benchmarks.site_probe import probe, write_result


class Command(BaseCommand):
    help = (
        "Ask for the paper list, a search, a review's list and a decision over and over, timing each, until the "
        "file --until exists; write the timings to --output as JSON. benchmark_import --probe runs it beside an "
        "import. Creates a user, a review and a paper of its own (benchmark databases)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", type=Path, required=True, help="Stop once this file exists.")
        parser.add_argument("--output", type=Path, required=True, help="Where to write the timings (JSON).")
        parser.add_argument("--interval", type=float, default=0.25, help="Seconds between rounds (0.25).")

    def handle(self, *args, until, output, interval, **options):
        # The test client calls itself "testserver", which production-like settings do not allow.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            write_result(probe(until, interval), output)
