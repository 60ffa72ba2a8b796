import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.corpus_generator import WRITERS, CorpusGenerator


class Command(BaseCommand):
    help = (
        "Write a synthetic corpus of N papers for benchmarks, recombining the seed abstracts: JSON Lines "
        "(arxiv_id, abstract, title, authors, categories) or the seed's arXiv dump shape. The same --seed "
        "always gives the same corpus."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many papers to write.")
        parser.add_argument("--output", "-o", type=Path, help="File to write (default: standard output).")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument("--format", choices=sorted(WRITERS), default="jsonl", help="Output format (default jsonl).")

    def handle(self, *args, count: int, output: Path | None, seed: int, format: str, **options):
        if count < 0:
            raise CommandError("N must be zero or more")
        generator = CorpusGenerator(seed=seed)
        write = WRITERS[format]
        started = time.perf_counter()
        try:
            if output is None:
                written = write(generator.records(count), _OutputWrapperWriter(self.stdout))
            else:
                with output.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
                    written = write(generator.records(count), out)
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        # The report goes to stderr so that standard output holds nothing but the corpus.
        where = output or "standard output"
        rate = written / elapsed if elapsed else 0
        message = f"Wrote {written:,} papers ({format}, seed {seed}) to {where} in {elapsed:.1f}s ({rate:,.0f}/s)"
        if options["verbosity"] >= 1:
            (self.stderr if output is None else self.stdout).write(message)


class _OutputWrapperWriter:
    """Lets the writers stream through the command's stdout (which tests can capture) in big chunks."""

    def __init__(self, wrapper):
        self.wrapper = wrapper if wrapper is not None else sys.stdout

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")
