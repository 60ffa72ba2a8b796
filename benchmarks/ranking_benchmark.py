"""How long the ranking model takes at corpus scale: TF-IDF over N synthetic papers (once), retraining on D
decisions, ranking every undecided paper. No database: the texts come straight from the corpus generator."""

import os
import random
import time
from dataclasses import dataclass

from benchmarks.corpus_generator import CorpusGenerator
from reviews.ranking import fit, rank, record_text, vectorise


@dataclass(frozen=True)
class RankingTimings:
    papers: int
    decisions: int
    terms: int
    vectorise_s: float
    fit_s: float
    rank_s: float
    load: float


def measure(papers: int, decisions: int, classifier: str = "svm", seed: int = 0) -> RankingTimings:
    """Vectorise ``papers`` synthetic records, train on ``decisions`` of them (one in ten an include, as in a
    typical review) and rank the rest, timing each step once."""
    generator = CorpusGenerator(seed=seed)
    texts = [record_text(record.get("title", ""), record["abstract"]) for record in generator.records(papers)]
    started = time.perf_counter()
    features = vectorise(texts)
    vectorised = time.perf_counter()
    rng = random.Random(seed)
    decided = rng.sample(range(papers), decisions)
    labelled = {index: int(number % 10 == 0) for number, index in enumerate(decided)}
    model = fit(features, labelled, seed=seed, classifier=classifier)
    fitted = time.perf_counter()
    undecided = set(decided)
    ranking = rank(model, [index for index in range(papers) if index not in undecided])
    ranked = time.perf_counter()
    assert len(ranking) == papers - decisions
    return RankingTimings(
        papers,
        decisions,
        features.matrix.shape[1],
        vectorised - started,
        fitted - vectorised,
        ranked - fitted,
        os.getloadavg()[0],
    )
