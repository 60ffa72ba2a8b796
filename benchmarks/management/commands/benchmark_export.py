"""``manage.py benchmark_export``: time exporting the benchmark review (CSV against its 20 s target for 100,000
papers, and the other formats), with peak memory and the machine's load.

It measures the review ``manage.py benchmark`` built (``--slug`` for another). ``--build N`` first builds one the
same way — N generated papers imported, then the blind dual-screening review over them — which EMPTIES THE PAPERS
TABLES, so it insists on a PostgreSQL database whose name contains "bench". ``manage.py benchmark`` runs the same
export step at the end of its review part.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from benchmarks import review_workload
from benchmarks.corpus_benchmark import CorpusBenchmark
from benchmarks.export_benchmark import ExportBenchmark
from benchmarks.reporting import Report, load_average
from reviews.exporting import FORMATS
from reviews.models import Review


class Command(BaseCommand):
    help = (
        "Time exporting the benchmark review as CSV (target: 100,000 papers in < 20 s, flat memory), JSONL, RIS "
        "and BibTeX. --build N first generates N papers and builds the review (EMPTIES THE PAPERS TABLES; only on "
        "a PostgreSQL database whose name contains 'bench')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--slug", default=review_workload.BENCH_REVIEW_SLUG, help="The review to export.")
        parser.add_argument("--build", type=int, metavar="N", help="First build a benchmark review of N papers.")
        parser.add_argument(
            "--formats", default="csv,jsonl,ris,bibtex", help="Formats to time, comma-separated (all four)."
        )

    def handle(self, *args, slug: str, build: int | None, formats: str, **options):
        chosen = [name.strip() for name in formats.split(",") if name.strip()]
        if unknown := [name for name in chosen if name not in FORMATS]:
            raise CommandError(f"Unknown format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}.")
        report = Report(self.stdout, self.style)
        report.machine()
        if build is not None:
            self._build(report, build)
            slug = review_workload.BENCH_REVIEW_SLUG
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(
                f"No review has the slug “{slug}”: run manage.py benchmark first, or pass --build N on a benchmark "
                "database."
            )
        targets = ExportBenchmark(report, formats=chosen).run(review)
        report.heading("Targets")
        report.targets(targets)
        report.write(f"  load average at the end: {load_average()} (timings are noisy on a busy machine)")

    def _build(self, report: Report, papers: int) -> None:
        if papers < 1:
            raise CommandError("--build needs at least 1 paper.")
        name = connection.settings_dict["NAME"]
        if connection.vendor != "postgresql" or "bench" not in name:
            raise CommandError(
                f"--build empties the papers tables, and {connection.vendor} database {name!r} is not a PostgreSQL "
                "benchmark database (its name must contain 'bench')."
            )
        CorpusBenchmark(report, runs=1, warmup=0).generate_and_import(papers, seed=0, keep=False)
        review_workload.delete_benchmark_review()
        paper_ids = review_workload.all_paper_ids()
        workload = review_workload.create_review(paper_ids)
        counts = review_workload.add_screening(workload, paper_ids)
        review_workload.vacuum_analyze_review_tables()
        report.write("  review built: " + ", ".join(f"{n:,} {kind}" for kind, n in counts.items()))
