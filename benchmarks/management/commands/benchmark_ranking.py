"""``manage.py benchmark_ranking``: time the ranking model at corpus scale (no database involved)."""

import datetime
import os
import platform

from django.core.management.base import BaseCommand

from benchmarks.ranking_benchmark import measure
from reviews.ranking import CLASSIFIERS

# The targets: retraining under 10 s and ranking all unscreened papers under 5 s at 100,000 papers;
# retraining under 60 s at 1,000,000 (no ranking target is given there: the 5 s is shown for comparison).
FIT_TARGET_S, RANK_TARGET_S, FIT_TARGET_1M_S = 10.0, 5.0, 60.0


class Command(BaseCommand):
    help = "Time TF-IDF over N synthetic papers, retraining on D decisions and ranking the undecided papers."

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=int, default=100_000)
        parser.add_argument("--decisions", type=int, default=2_000)
        parser.add_argument("--model", choices=CLASSIFIERS, default="svm")

    def handle(self, *args, papers, decisions, model, **options):
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.stdout.write(
            f"{now}, {platform.node()}: {os.cpu_count()} CPUs, load {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
        )
        timings = measure(papers, decisions, classifier=model)
        self.stdout.write(
            f"{timings.papers:,} papers, {timings.terms:,} terms, {timings.nonzeros:,} non-zero weights "
            f"({timings.matrix_mb:,.0f} MB), model {model}"
        )
        self.stdout.write(f"  peak memory with the texts built: {timings.texts_peak_mb:,.0f} MB")
        self.stdout.write(
            f"  TF-IDF, once per corpus: {timings.vectorise_s:.1f} s ({timings.vectorise_cpu:.1f} s CPU; "
            f"peak memory {timings.vectorise_peak_mb:,.0f} MB; load {timings.loads[0]:.2f})"
        )
        fit_target = FIT_TARGET_S if papers <= 100_000 else FIT_TARGET_1M_S
        verdict = "within" if timings.fit_s < fit_target else "OVER"
        self.stdout.write(
            f"  retraining on {timings.decisions:,} decisions: {timings.fit_s:.2f} s ({timings.fit_cpu:.2f} s CPU; "
            f"{verdict} {fit_target:.0f} s; peak memory {timings.fit_peak_mb:,.0f} MB; load {timings.loads[1]:.2f})"
        )
        verdict = "within" if timings.rank_s < RANK_TARGET_S else "OVER"
        if papers > 100_000:
            verdict = f"the {RANK_TARGET_S:.0f} s target is for 100,000 papers, there {verdict}"
        else:
            verdict = f"{verdict} {RANK_TARGET_S:.0f} s"
        self.stdout.write(
            f"  ranking {timings.papers - timings.decisions:,} undecided: {timings.rank_s:.2f} s "
            f"({timings.rank_cpu:.2f} s CPU; {verdict}; peak memory {timings.rank_peak_mb:,.0f} MB; "
            f"load {timings.loads[2]:.2f})"
        )
        self.stdout.write(f"  load average at the end: {timings.load:.2f}")
