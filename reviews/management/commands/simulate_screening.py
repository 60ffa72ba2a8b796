"""``manage.py simulate_screening FILE --label-column COLUMN``: replay the screening of a labelled dataset with the
ranking model, and measure how soon it finds the includes."""

import csv
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.charts import standalone
from reviews.ranking import CLASSIFIERS, vectorise
from reviews.ranking.curve import recall_curve
from reviews.ranking.labelled_file import LabelledFileError, read_labelled_file
from reviews.ranking.metrics import RECALL_POINTS, screening_metrics
from reviews.ranking.simulation import simulate


class Command(BaseCommand):
    help = (
        "Replay the screening of a labelled CSV (one record a row, a 0/1 label column) or RIS file (a 0/1 label tag, "
        "or ASReview's ASReview_relevant/irrelevant N1 notes) as the app's priority order would run it: start from "
        "one include and one exclude picked by the seed, then retrain after every record and screen the one ranked "
        "first. Reports recall at 5/10/25% screened, WSS@95 and the average "
        "time to discovery."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            metavar="FILE",
            help="A CSV with a title and/or abstract column and labels, or a RIS file (.ris; .txt and others are "
            "RIS when they start with a tag line).",
        )
        parser.add_argument(
            "--label-column",
            required=True,
            metavar="COLUMN",
            help="The column (CSV) or tag (RIS: LB, a custom tag, N1 for ASReview's notes) holding 1 (include) or 0 "
            "(exclude).",
        )
        parser.add_argument("--model", choices=CLASSIFIERS, default="svm", help="The classifier (default: svm).")
        parser.add_argument("--seed", type=int, default=0, help="Picks the starting records; seeds the model.")
        parser.add_argument("--output", metavar="ORDER.csv", help="Write the order: position,record_id,label.")
        parser.add_argument("--svg", metavar="CURVE.svg", help="Write the recall curve as an SVG image.")

    def handle(self, *args, file, label_column, model, seed, output, svg, **options):
        if not label_column.strip():
            raise CommandError("--label-column must name a column.")
        if not 0 <= seed < 2**32:
            raise CommandError("--seed must be between 0 and 4294967295.")
        name = os.fsencode(file).decode("utf-8", "backslashreplace")
        try:
            dataset = read_labelled_file(file, label_column)
        except LabelledFileError as error:
            self.stderr.write(str(error).replace(str(error.path), name, 1))
            raise CommandError("nothing was simulated.") from None
        started = time.perf_counter()
        features = vectorise(dataset.texts)
        vectorising = time.perf_counter() - started
        result = simulate(features, dataset.labels, seed=seed, classifier=model)
        labels = [dataset.labels[index] for index in result.order]
        if output:
            self._write(output, lambda handle: self._write_order(handle, dataset, result.order))
        if svg:
            title = f"Recall curve: {Path(name).name}, model {model}, seed {seed}"
            self._write(svg, lambda handle: handle.write(standalone(recall_curve("recall", title, labels))))

        include, exclude = (dataset.record_ids[index] for index in result.order[:2])
        id_kind = "record_id" if dataset.own_ids else "row"
        self.stdout.write(
            f"{name}: {len(dataset)} records, {sum(dataset.labels)} includes; model {model}, seed {seed}; "
            f"started from include {id_kind} {include} and exclude {id_kind} {exclude}."
        )
        metrics = screening_metrics(labels, result.starting)
        if metrics is None:
            self.stdout.write("No include was left to find after the starting records: no metric to report.")
        else:
            self.stdout.write(f"After the starting records, {metrics.includes} includes among {metrics.records}:")
            for share in RECALL_POINTS:
                self.stdout.write(f"  recall at {share:.0%} screened: {metrics.recall[share]:.1%}")
            self.stdout.write(f"  WSS@95: {metrics.wss95:.1%}")
            self.stdout.write(
                f"  average time to discovery: {metrics.atd:.1f} records ({metrics.atd_share:.1%} of them)"
            )
            self.stdout.write(f"  every include found after {metrics.last_include} records")
        self.stdout.write(
            f"Features {vectorising:.2f} s, screening replayed in {result.seconds:.2f} s "
            f"({len(result.order) - result.starting} records, retraining after each until the last include)."
        )

    def _write(self, path: str, write) -> None:
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                write(handle)
        except OSError as error:
            raise CommandError(f"{path}: cannot write: {error.strerror}") from error

    @staticmethod
    def _write_order(handle, dataset, order: list[int]) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["position", "record_id", "label"])
        for position, index in enumerate(order, start=1):
            writer.writerow([position, dataset.record_ids[index], dataset.labels[index]])
