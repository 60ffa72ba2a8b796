"""The features of a large corpus (reviews/ranking/features.py): from HASHED_FROM texts on, TF-IDF is computed with
hashed terms to fit a million papers in memory. It must give the weights the vocabulary path gives (up to the
order of the columns and a rare shared bucket), and leave the simulations' results alone."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from reviews.ranking import features
from reviews.ranking.features import TextFeatures, _vectorise_hashed, vectorise
from reviews.ranking.labelled_file import read_labelled_csv
from reviews.ranking.metrics import screening_metrics
from reviews.ranking.simulation import simulate
from tests.test_ranking_model import SAMPLE


@pytest.fixture(scope="module")
def sample():
    return read_labelled_csv(SAMPLE, "label")


def vocabulary_tfidf(texts):
    """The vocabulary path's weights with the large-corpus minimum of 2 records a term."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95, min_df=2, dtype=np.float32)
    return vectorizer.fit_transform(texts)


def test_hashed_weights_are_the_vocabulary_weights(sample):
    texts = sample.texts
    exact, hashed = vocabulary_tfidf(texts), _vectorise_hashed(texts)
    assert hashed.dtype == np.float32
    assert hashed.shape == exact.shape
    # The same terms kept in each record, but for a handful where a term of a single record shares a bucket with a
    # kept term (8 of 32,766 weights here); the same similarity between any two records, near enough.
    assert 0 <= hashed.nnz - exact.nnz <= exact.nnz // 1000
    np.testing.assert_allclose((hashed @ hashed.T).toarray(), (exact @ exact.T).toarray(), atol=0.01)
    np.testing.assert_allclose(sparse.linalg.norm(hashed, axis=1), 1, rtol=1e-5)
    # A record with as many terms has the vocabulary path's weights, but for a term whose bucket a term of another
    # record shares (its idf falls): one weight in a thousand at most.
    same = np.flatnonzero(np.diff(hashed.indptr) == np.diff(exact.indptr))
    assert len(same) > 100
    differing = sum(int((abs(np.sort(hashed[row].data) - np.sort(exact[row].data)) > 0.005).sum()) for row in same)
    assert differing <= exact.nnz // 1000


def test_a_large_corpus_is_hashed_and_a_small_one_is_not(sample, monkeypatch):
    texts = sample.texts
    small = vectorise(texts).matrix
    assert small.shape[1] == len(TfidfVectorizer(ngram_range=(1, 2), max_df=0.95).fit(texts).vocabulary_)
    monkeypatch.setattr(features, "HASHED_FROM", len(texts))
    large = vectorise(texts).matrix
    assert large.has_sorted_indices
    assert (large != _vectorise_hashed(texts)).nnz == 0
    assert large.shape[1] < small.shape[1]  # terms of a single record dropped


def test_the_simulation_finds_the_includes_as_soon_with_hashed_features(sample):
    # Against the vocabulary path keeping the same terms (those of two records or more).
    exact = simulate(TextFeatures(sparse.csr_matrix(vocabulary_tfidf(sample.texts))), sample.labels, seed=1)
    hashed = simulate(TextFeatures(_vectorise_hashed(sample.texts)), sample.labels, seed=1)
    metrics = [
        screening_metrics([sample.labels[index] for index in result.order], result.starting)
        for result in (exact, hashed)
    ]
    assert metrics[0] == metrics[1]


def test_texts_without_a_term_in_two_records_give_one_empty_feature():
    matrix = _vectorise_hashed(["apple banana", "cherry date", ""])
    assert matrix.shape == (3, 1)
    assert matrix.nnz == 0


def test_the_chunks_join_into_the_same_matrix(sample, monkeypatch):
    whole = _vectorise_hashed(sample.texts)
    monkeypatch.setattr(features, "HASHED_CHUNK", 7)
    assert (whole != _vectorise_hashed(sample.texts)).nnz == 0
