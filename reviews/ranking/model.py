"""Training a linear classifier on a review's decisions and ranking the undecided records by it.

Three classifiers, all linear over the TF-IDF features and all deterministic given the seed:

- ``svm`` (the default): a linear support vector machine, squared hinge loss, C = 0.11 — ASReview LAB 3's
  default (ELAS u4), whose parameters ASReview tuned on the SYNERGY datasets.
- ``logistic``: logistic regression (liblinear, C = 1).
- ``nb``: multinomial naive Bayes, alpha = 3.822 — ASReview's ELAS u3, which mimics its version 1 default.

Balance: a review has few includes among many excludes, and a classifier trained on them as they come learns
"exclude everything". ASReview 1 rebalanced by resampling (its "double" strategy); ASReview 3 replaced that with
sample weights, which we follow because weights need no random draw: each include weighs 1, each exclude
includes / (RATIO × excludes), so all the includes together weigh RATIO times all the excludes, whatever
their numbers; the weights are then scaled to average 1, so C means the same at every size.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from .features import TextFeatures

CLASSIFIERS = ("svm", "logistic", "nb")
# Rows scored at once when ranking most of a corpus (see scores()).
SCORE_BLOCK = 50_000
# The weight of all the includes against all the excludes, per classifier (ASReview's tuned ratios).
RATIO = {"svm": 9.8, "logistic": 9.8, "nb": 1.2}


@dataclass(frozen=True)
class RankingModel:
    """A classifier trained on some records of ``features``; ``labelled`` holds the indexes it learned from.

    All three classifiers score a record linearly — its features times ``coef`` plus ``intercept`` (for naive
    Bayes, the log odds of include) — so ranking is one sparse product, without scikit-learn's per-call checks."""

    classifier_name: str
    coef: np.ndarray
    intercept: float
    features: TextFeatures
    labelled: frozenset[int]
    seed: int


def _classifier(name: str, seed: int):
    if name == "svm":
        return LinearSVC(C=0.11, loss="squared_hinge", random_state=seed)
    if name == "logistic":
        return LogisticRegression(C=1.0, solver="liblinear", random_state=seed)
    if name == "nb":
        return MultinomialNB(alpha=3.822)
    raise ValueError(f"unknown classifier {name!r}: choose one of {', '.join(CLASSIFIERS)}")


def balanced_weights(labels: np.ndarray, ratio: float) -> np.ndarray:
    """Sample weights under which all the includes (1) weigh ``ratio`` times all the excludes (0), averaging 1."""
    includes = int(labels.sum())
    excludes = len(labels) - includes
    weights = np.where(labels == 1, 1.0, includes / (ratio * excludes))
    return weights * (len(labels) / weights.sum())


def fit(features: TextFeatures, labelled: dict[int, int], seed: int = 0, classifier: str = "svm") -> RankingModel:
    """Train ``classifier`` on the records ``labelled`` maps to 1 (include) or 0 (exclude).

    Needs at least one of each. The same features, labels and seed give the same model, whatever the order of
    ``labelled``: the training rows are taken in index order."""
    indexes = np.array(sorted(labelled), dtype=np.int64)
    labels = np.array([labelled[index] for index in indexes], dtype=np.int64)
    if not len(indexes) or labels.min() == labels.max():
        raise ValueError("training needs at least one include and one exclude")
    if set(np.unique(labels)) - {0, 1}:
        raise ValueError("labels must be 0 (exclude) or 1 (include)")
    model = _classifier(classifier, seed)
    rows = features.matrix[indexes]
    weights = balanced_weights(labels, RATIO[classifier])
    coef = np.zeros(rows.shape[1])
    if isinstance(model, MultinomialNB):
        # Its smoothing spreads over every term of the corpus, so it learns from all the columns.
        model.fit(rows, labels, sample_weight=weights)
        coef[:] = model.feature_log_prob_[1] - model.feature_log_prob_[0]
        intercept = model.class_log_prior_[1] - model.class_log_prior_[0]
    else:
        # An L2-regularised linear model gives a term that no training record holds a weight of 0, so it is
        # trained on the terms the training records hold only: the same model, found faster (a corpus has
        # 10-1000 times more terms than a few hundred decisions use).
        used = np.flatnonzero(np.bincount(rows.indices, minlength=rows.shape[1]))
        intercept = 0.0
        # Training records without a single term teach nothing: every record then scores alike.
        if len(used):
            model.fit(rows[:, used], labels, sample_weight=weights)
            coef[used] = model.coef_[0]
            intercept = model.intercept_[0]
    return RankingModel(classifier, coef, float(intercept), features, frozenset(labelled), seed)


def scores(model: RankingModel, indexes: np.ndarray) -> np.ndarray:
    """How likely each record is an include, on the classifier's own scale (higher is likelier)."""
    matrix = model.features.matrix
    if len(indexes) * 10 < matrix.shape[0]:
        return matrix[indexes] @ model.coef + model.intercept
    # Most of the corpus: scoring every row beats copying the rows asked for (measured 10x at 100,000 papers), a
    # block of rows at a time, since scipy multiplies a float32 matrix by the float64 weights through a float64
    # copy of it (2.2 GB more at a million papers); each row's arithmetic, and so its score, is the same.
    every = np.concatenate(
        [matrix[start : start + SCORE_BLOCK] @ model.coef for start in range(0, matrix.shape[0], SCORE_BLOCK)]
        or [np.zeros(0)]
    )
    return every[indexes] + model.intercept


def rank(model: RankingModel, indexes) -> list[tuple[int, float]]:
    """``indexes`` (records not yet decided) as (index, score), the likeliest include first; ties go to the
    lower index, so an order never depends on anything but the decisions and the seed."""
    indexes = np.asarray(list(indexes), dtype=np.int64)
    if not len(indexes):
        return []
    found = scores(model, indexes)
    order = np.lexsort((indexes, -found))
    return list(zip(indexes[order].tolist(), found[order].tolist(), strict=True))
