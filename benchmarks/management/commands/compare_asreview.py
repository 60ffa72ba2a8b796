"""``manage.py compare_asreview``: our screening simulation against ASReview's, on the same datasets and seeds."""

import datetime
import glob
import os
import platform
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.asreview_comparison import HEADER, compare, mean_rows, table_row
from reviews.ranking import CLASSIFIERS

DATASETS = "/work/shared/datasets/synergy/*.csv"


class Command(BaseCommand):
    help = (
        "Run manage.py simulate_screening and `asreview simulate` on each labelled CSV (label column `label`) "
        "with each seed, compute the same metrics from both orders and print them as one table. ASReview is "
        "not a dependency: install it in a venv of its own (python3 -m venv /tmp/asreview-venv && "
        "/tmp/asreview-venv/bin/pip install asreview==3.0.8) and pass its executable."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE", help=f"Labelled CSVs (default: {DATASETS}).")
        parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="Seeds (default: 1 2 3).")
        parser.add_argument("--model", choices=CLASSIFIERS, default="svm", help="Our classifier (default: svm).")
        parser.add_argument(
            "--asreview",
            default="/tmp/asreview-venv/bin/asreview",  # noqa: S108 - where --help says to make its venv
            help="The asreview executable to compare with.",
        )

    def handle(self, *args, files, seeds, model, asreview, **options):
        paths = [Path(name) for name in files] or [Path(name) for name in sorted(glob.glob(DATASETS))]
        if not paths:
            raise CommandError(f"no dataset: none given and none at {DATASETS}")
        if not os.access(asreview, os.X_OK):
            raise CommandError(f"{asreview}: no asreview executable there (see --help for installing it)")
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.stdout.write(
            f"{now}, {platform.node()}: {os.cpu_count()} CPUs, load average at start "
            f"{' '.join(f'{value:.2f}' for value in os.getloadavg())}"
        )
        self.stdout.write(HEADER)
        self.stdout.write("|---" * (HEADER.count("|") - 1) + "|")
        try:
            runs = compare(paths, seeds, model, asreview, progress=lambda run: self.stdout.write(table_row(run)))
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        for line in mean_rows(runs):
            self.stdout.write(line)
