"""The ranking model (reviews/ranking/): includes ahead of chance on a real review's records, the same order from
the same decisions and seed, and refusals of what it cannot train on."""

import numpy as np
import pytest

from reviews.ranking import fit, rank, vectorise
from reviews.ranking.labelled_file import read_labelled_csv
from reviews.ranking.metrics import screening_metrics
from reviews.ranking.model import balanced_weights
from reviews.ranking.simulation import simulate

# 120 records of the SYNERGY review Donners 2021 (CC0; every one of its 15 includes and its first 105 excludes).
SAMPLE = "tests/data/synergy_donners_2021_sample.csv"


@pytest.fixture(scope="module")
def sample():
    dataset = read_labelled_csv(SAMPLE, "label")
    return dataset, vectorise(dataset.texts)


def _mean_percentile_of_includes(ranking, labels) -> float:
    """Where the includes sit in a ranking, as a share of its length: 0.5 is chance, 0 is all at the top."""
    positions = [position for position, (index, _score) in enumerate(ranking) if labels[index]]
    return (np.mean(positions) + 0.5) / len(ranking)


@pytest.mark.parametrize("classifier", ["svm", "logistic", "nb"])
def test_includes_rank_well_ahead_of_chance_after_three_includes_and_ten_excludes(sample, classifier):
    dataset, features = sample
    includes = [index for index, label in enumerate(dataset.labels) if label][:3]
    excludes = [index for index, label in enumerate(dataset.labels) if not label][:10]
    model = fit(features, {**dict.fromkeys(includes, 1), **dict.fromkeys(excludes, 0)}, seed=7, classifier=classifier)
    undecided = [index for index in range(len(dataset)) if index not in set(includes + excludes)]
    ranking = rank(model, undecided)
    assert sorted(index for index, _ in ranking) == undecided
    # By chance the 12 other includes would sit around the middle (0.5); the model puts them in the top fifth.
    assert _mean_percentile_of_includes(ranking, dataset.labels) < 0.2


def test_a_simulation_on_the_sample_finds_the_includes_far_sooner_than_chance(sample):
    dataset, features = sample
    result = simulate(features, dataset.labels, seed=3)
    metrics = screening_metrics([dataset.labels[index] for index in result.order])
    # A random order finds a quarter of the 14 includes in the first quarter, saves no work (WSS@95 ≈ 0) and
    # finds an include on average halfway (ATD ≈ 59 of 118); the model does far better.
    assert metrics.recall[0.25] > 0.75
    assert metrics.wss95 > 0.3
    assert metrics.atd < 25


def test_the_same_decisions_and_seed_give_the_same_order_whatever_order_they_come_in(sample):
    dataset, features = sample
    decisions = {0: 0, 5: 0, 7: 1, 30: 1, 50: 0, 51: 0}
    first = rank(fit(features, decisions, seed=11), range(len(dataset)))
    again = rank(fit(features, dict(reversed(decisions.items())), seed=11), range(len(dataset)))
    assert first == again


def test_ties_go_to_the_lower_index():
    features = vectorise(["alpha beta", "gamma delta", "epsilon", "epsilon", "epsilon"])
    model = fit(features, {0: 1, 1: 0}, seed=0)
    ranking = rank(model, [4, 3, 2])
    assert [index for index, _ in ranking] == [2, 3, 4]
    assert len({score for _, score in ranking}) == 1


def test_training_needs_an_include_and_an_exclude():
    features = vectorise(["alpha beta", "gamma delta", "epsilon zeta"])
    with pytest.raises(ValueError, match="at least one include and one exclude"):
        fit(features, {0: 1, 1: 1}, seed=0)
    with pytest.raises(ValueError, match="at least one include and one exclude"):
        fit(features, {}, seed=0)
    with pytest.raises(ValueError, match="unknown classifier"):
        fit(features, {0: 1, 1: 0}, seed=0, classifier="forest")


def test_a_corpus_without_words_ranks_every_record_alike():
    features = vectorise(["", "", "1 2 3"])
    ranking = rank(fit(features, {0: 1, 1: 0}, seed=0), [2])
    assert [index for index, _ in ranking] == [2]


def test_balanced_weights_give_all_includes_ratio_times_the_weight_of_all_excludes():
    labels = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    weights = balanced_weights(labels, ratio=4.0)
    assert weights[labels == 1].sum() == pytest.approx(4.0 * weights[labels == 0].sum())
    assert weights.mean() == pytest.approx(1.0)
