"""How long the ranking model takes at corpus scale: TF-IDF over N synthetic papers (once), retraining on D
decisions, ranking every undecided paper. No database: the texts come straight from the corpus generator.

Memory is measured too, as the process's peak resident set after each step (it only grows, so each figure is the
peak up to then): at a million papers the features, not the time, are what a machine may lack."""

import os
import random
import resource
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
    # Peak resident memory (MB) once the texts are built, after TF-IDF, after retraining, after ranking.
    texts_peak_mb: float
    vectorise_peak_mb: float
    fit_peak_mb: float
    rank_peak_mb: float
    # What the features themselves hold (the sparse matrix's arrays), and the load after each step.
    matrix_mb: float
    nonzeros: int
    loads: tuple[float, float, float]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(papers: int, decisions: int, classifier: str = "svm", seed: int = 0) -> RankingTimings:
    """Vectorise ``papers`` synthetic records, train on ``decisions`` of them (one in ten an include, as in a
    typical review) and rank the rest, timing each step once."""
    generator = CorpusGenerator(seed=seed)
    texts = [record_text(record.get("title", ""), record["abstract"]) for record in generator.records(papers)]
    peaks, loads = [peak_rss_mb()], []
    clock = [(time.perf_counter(), time.process_time())]
    features = vectorise(texts)
    clock.append((time.perf_counter(), time.process_time()))
    peaks.append(peak_rss_mb())
    loads.append(os.getloadavg()[0])
    rng = random.Random(seed)
    decided = rng.sample(range(papers), decisions)
    labelled = {index: int(number % 10 == 0) for number, index in enumerate(decided)}
    clock.append((time.perf_counter(), time.process_time()))
    model = fit(features, labelled, seed=seed, classifier=classifier)
    clock.append((time.perf_counter(), time.process_time()))
    peaks.append(peak_rss_mb())
    loads.append(os.getloadavg()[0])
    undecided = set(decided)
    unlabelled = [index for index in range(papers) if index not in undecided]
    clock.append((time.perf_counter(), time.process_time()))
    ranking = rank(model, unlabelled)
    clock.append((time.perf_counter(), time.process_time()))
    peaks.append(peak_rss_mb())
    loads.append(os.getloadavg()[0])
    assert len(ranking) == papers - decisions
    # Each step's own span: (0, 1) TF-IDF, (2, 3) retraining, (4, 5) ranking; picking the decisions is not timed.
    spans = [(clock[start], clock[start + 1]) for start in (0, 2, 4)]
    wall = [after[0] - before[0] for before, after in spans]
    cpu = [after[1] - before[1] for before, after in spans]
    matrix = features.matrix
    matrix_mb = (matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes) / 2**20
    return RankingTimings(
        papers,
        decisions,
        matrix.shape[1],
        *wall,
        *cpu,
        loads[-1],
        *peaks,
        matrix_mb,
        matrix.nnz,
        tuple(loads),
    )
