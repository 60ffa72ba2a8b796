"""How long the ranking model takes at corpus scale: TF-IDF over N synthetic papers (once), retraining on D
decisions, ranking every undecided paper. No database: the texts come straight from the corpus generator."""

import itertools
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
    # CPU seconds of each step: on a shared machine the wall clock measures the neighbours too.
    vectorise_cpu: float
    fit_cpu: float
    rank_cpu: float
    load: float


def measure(papers: int, decisions: int, classifier: str = "svm", seed: int = 0) -> RankingTimings:
    """Vectorise ``papers`` synthetic records, train on ``decisions`` of them (one in ten an include, as in a
    typical review) and rank the rest, timing each step once."""
    generator = CorpusGenerator(seed=seed)
    texts = [record_text(record.get("title", ""), record["abstract"]) for record in generator.records(papers)]
    clock = [(time.perf_counter(), time.process_time())]
    features = vectorise(texts)
    clock.append((time.perf_counter(), time.process_time()))
    rng = random.Random(seed)
    decided = rng.sample(range(papers), decisions)
    labelled = {index: int(number % 10 == 0) for number, index in enumerate(decided)}
    model = fit(features, labelled, seed=seed, classifier=classifier)
    clock.append((time.perf_counter(), time.process_time()))
    undecided = set(decided)
    ranking = rank(model, [index for index in range(papers) if index not in undecided])
    clock.append((time.perf_counter(), time.process_time()))
    assert len(ranking) == papers - decisions
    wall = [after[0] - before[0] for before, after in itertools.pairwise(clock)]
    cpu = [after[1] - before[1] for before, after in itertools.pairwise(clock)]
    return RankingTimings(papers, decisions, features.matrix.shape[1], *wall, *cpu, os.getloadavg()[0])
