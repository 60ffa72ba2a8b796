"""Replaying the screening of a labelled dataset as the app would screen it, to measure the ranking.

Like ASReview's simulations: the seed picks one include and one exclude to start from (drawn exactly as
``asreview simulate --n-prior-included 1 --n-prior-excluded 1 --prior-seed SEED`` draws them, so both tools
start from the same two records); then, one record at a time, the model is retrained on every decision so far
and the record it ranks first is screened next, its label revealed. Once every include is found, the records
left (all excludes) are ranked once by the last model and appended: no metric depends on their order, and
ASReview stops at that point too.
"""

import time
from dataclasses import dataclass

import numpy as np

from .features import TextFeatures
from .model import fit, scores


@dataclass(frozen=True)
class SimulationResult:
    order: list[int]  # record indexes in the order screened, the two starting records first
    starting: int  # how many starting records lead the order
    seconds: float  # time spent retraining and ranking (the features are computed before)


def starting_records(labels, seed: int) -> tuple[int, int]:
    """The include and the exclude a simulation with ``seed`` starts from: each drawn from the indexes of its
    class in file order by a random state seeded with ``seed`` afresh, as ASReview draws its priors."""
    labels = np.asarray(labels)
    include = np.random.RandomState(seed).choice(np.flatnonzero(labels == 1), 1, replace=False)[0]
    exclude = np.random.RandomState(seed).choice(np.flatnonzero(labels == 0), 1, replace=False)[0]
    return int(include), int(exclude)


def simulate(features: TextFeatures, labels, seed: int = 0, classifier: str = "svm") -> SimulationResult:
    """Screen every record of ``features`` in the order the model, retrained after each decision, proposes."""
    started = time.perf_counter()
    labels = np.asarray(labels, dtype=np.int64)
    order = list(starting_records(labels, seed))
    decided = {index: int(labels[index]) for index in order}
    undecided = np.ones(len(labels), dtype=bool)
    undecided[order] = False
    includes_left = int(labels.sum()) - int(labels[order].sum())
    model = None
    while includes_left and undecided.any():
        model = fit(features, decided, seed=seed, classifier=classifier)
        pool = np.flatnonzero(undecided)
        # argmax takes the first of equal scores: the lowest index, as rank() does.
        chosen = int(pool[np.argmax(scores(model, pool))])
        order.append(chosen)
        decided[chosen] = int(labels[chosen])
        undecided[chosen] = False
        includes_left -= int(labels[chosen])
    rest = np.flatnonzero(undecided)
    if len(rest):
        model = model or fit(features, decided, seed=seed, classifier=classifier)
        scored = scores(model, rest)
        order.extend(int(rest[position]) for position in np.lexsort((rest, -scored)))
    return SimulationResult(order, 2, time.perf_counter() - started)
