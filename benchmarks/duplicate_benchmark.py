"""The duplicates part of ``manage.py benchmark``: what likely-duplicate matching adds to an import.

It imports ``--duplicate-records`` new records (10,000 by default) into the corpus already in the database, with
likely-duplicate matching (papers/duplicates.py, as every import runs it) and without it, in alternation, each a
dry run (everything is written, then rolled back), so every run meets the same corpus. The records are what a
database export brings to an arXiv corpus: DOI records without arXiv ids, titles from the same generator as the
corpus (whose 120 title phrases make its titles collide far more than real ones: a hard case for blocking) and
one in twenty a changed copy of a corpus paper's title (case, punctuation, a typo, a cut subtitle), the likely
duplicates the matcher is there to find.

Two figures: the medians of the runs with and without (their ratio drifts with the machine's load between runs),
and, within each run with matching, the seconds spent matching against the rest of that run: the share the
target (< +30%) is read on, since both sides of it ran under the same load.
"""

import json
import random
import statistics
import time
from unittest import mock

from papers.importers import upsert
from papers.models import Paper

from .corpus_generator import CorpusGenerator
from .reporting import Report, Target, current_load, load_average

TARGET_OVERHEAD = 0.30
CHANGED_COPY_SHARE = 0.05
RECORD_SEED = 9_001


class DuplicateImportBenchmark:
    def __init__(self, report: Report, *, records: int, repeats: int):
        self.report, self.records, self.repeats = report, records, repeats

    def run(self) -> list[Target]:
        corpus = Paper.objects.count()
        self.report.heading(
            f"Duplicate matching: importing {self.records:,} new records into {corpus:,} papers, "
            f"with and without likely-duplicate matching, {self.repeats} dry runs each, alternating"
        )
        data = self._records()
        timings = {"without": [], "with": []}
        listed, shares, loads = [], [], []
        for _ in range(self.repeats):
            for side in ("without", "with"):
                loads.append(current_load())
                elapsed, matched = self._import(data, matching=side == "with")
                timings[side].append(elapsed)
                line = f"  {side:<7} matching: {elapsed:6.2f} s"
                if matched is not None:
                    found, spent = matched
                    listed.append(found)
                    # Within one run, so the machine's load drifting between runs does not enter it.
                    shares.append(spent / (elapsed - spent))
                    line += f", of which matching {spent:.2f} s (+{shares[-1]:.0%} on the rest of this import)"
                self.report.write(f"{line}   (load average {load_average()})")
        without, with_ = statistics.median(timings["without"]), statistics.median(timings["with"])
        ratio = with_ / without if without else float("inf")
        share = statistics.median(shares)
        self.report.write(
            f"  median without {without:.2f} s, with {with_:.2f} s: ratio {ratio:.2f}; matching itself adds a median "
            f"{share:+.0%} to the import it runs in; {max(listed, default=0):,} likely pairs listed per import; "
            f"load average {load_average()}"
        )
        load = statistics.median(loads) if loads else None
        return [
            Target(
                f"likely-duplicate matching, {self.records:,} records into {corpus:,}",
                f"+{share:.0%} in-run (runs: {with_:.2f} s ÷ {without:.2f} s = {ratio:.2f})",
                f"< +{TARGET_OVERHEAD:.0%}",
                share < TARGET_OVERHEAD,
                load,
            )
        ]

    def _records(self) -> bytes:
        rng = random.Random(RECORD_SEED)
        titles = list(
            Paper.objects.exclude(title="").order_by("?").values_list("title", flat=True)[: self.records // 10]
        )
        generated = CorpusGenerator(seed=RECORD_SEED).records(self.records)
        lines = []
        for number, record in enumerate(generated):
            title = record["title"] or record["abstract"][:80]
            if titles and rng.random() < CHANGED_COPY_SHARE:
                title = _changed(rng.choice(titles), rng)
            lines.append(
                json.dumps(
                    {
                        "doi": f"10.5555/bench.dup.{number}",
                        "title": title,
                        "abstract": record["abstract"],
                        "authors": record["authors"],
                        "year": rng.randint(2015, 2024),
                        "venue": "Proceedings of the Benchmark Conference",
                    }
                )
            )
        return "\n".join(lines).encode()

    def _import(self, data: bytes, *, matching: bool) -> tuple[float, tuple[int, float] | None]:
        """The dry-run import's seconds, and with matching (pairs listed, seconds spent matching)."""
        found, spent = [], []

        def counted(paper_ids):
            started = time.perf_counter()
            found.append(real(paper_ids))
            spent.append(time.perf_counter() - started)
            return found[-1]

        real = upsert.record_likely_duplicates
        replacement = counted if matching else (lambda paper_ids: 0)
        with mock.patch.object(upsert, "record_likely_duplicates", replacement):
            started = time.perf_counter()
            report = upsert.import_files([("bench-duplicates.jsonl", data)], format="jsonl", dry_run=True)
            elapsed = time.perf_counter() - started
        if report.errors:
            raise RuntimeError(f"the benchmark's records did not import: {report.errors[:3]}")
        return elapsed, ((sum(found), sum(spent)) if matching else None)


def _changed(title: str, rng: random.Random) -> str:
    """A corpus title as another database might write it."""
    change = rng.choice(("case", "punctuation", "typo", "subtitle"))
    if change == "case":
        return title.lower()
    if change == "punctuation":
        return title.replace(":", " -") + "."
    if change == "subtitle" and ": " in title:
        return title.split(": ", 1)[1] if len(title.split(": ", 1)[1]) > 30 else title.split(": ", 1)[0]
    position = rng.randrange(len(title))
    return title[:position] + title[position + 1 :]
