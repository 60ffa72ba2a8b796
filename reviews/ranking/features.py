"""A corpus's texts as TF-IDF vectors, computed once and reused by every retraining and ranking."""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

# ASReview LAB 3's default features (ELAS u4, tuned on the SYNERGY datasets): words and word pairs, term
# frequency dampened by its logarithm, and terms in more than 95% of records dropped as carrying nothing.
NGRAM_RANGE = (1, 2)
MAX_DF = 0.95
# From this many texts on, terms are hashed instead of kept in a vocabulary (see _vectorise_hashed). Below it the
# features are exactly ASReview's, and the vocabulary path's memory is affordable (it grows with the corpus: the
# benchmark peaked at 8.6 GB with a million synthetic papers); the datasets simulations compare with are far
# smaller.
HASHED_FROM = 200_000
# 2^25 buckets: a million abstracts' few million kept word pairs mostly land alone, and the document
# frequencies they are counted in take 128 MB.
HASHED_FEATURES = 2**25
# Texts hashed at a time: their intermediate arrays (float64 and int64 before the float32 copy) stay small.
HASHED_CHUNK = 20_000


@dataclass(frozen=True)
class TextFeatures:
    """One row of TF-IDF weights per record, in the order of the texts given to ``vectorise``."""

    matrix: sparse.csr_matrix

    def __len__(self) -> int:
        return self.matrix.shape[0]


def record_text(title: str, abstract: str) -> str:
    """The text a record is ranked by: its title and abstract, as ASReview joins them."""
    return f"{title or ''} {abstract or ''}".strip()


def vectorise(texts: list[str]) -> TextFeatures:
    """TF-IDF vectors of the texts (rows L2-normalised, float32 to halve the memory of a large corpus).

    A term that occurs in a single record is kept only while the corpus is small: a linear model can carry what it
    learned from a term only to other records holding it, so at scale such terms only cost memory (100,000
    abstracts have millions of word pairs, most of them seen once).

    From ``HASHED_FROM`` texts on, the same weights are computed with the terms hashed (``_vectorise_hashed``):
    scikit-learn's vocabulary of every word pair and its copies of the matrix took 8.6 GB at a million papers."""
    if len(texts) >= HASHED_FROM:
        matrix = _vectorise_hashed(texts)
    else:
        vectorizer = TfidfVectorizer(
            ngram_range=NGRAM_RANGE,
            sublinear_tf=True,
            max_df=MAX_DF if len(texts) > 1 else 1.0,
            min_df=1 if len(texts) < 10_000 else 2,
            dtype=np.float32,
        )
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:
            # Every text empty (or only one-letter words): no vocabulary. Zero features rank every record alike.
            matrix = sparse.csr_matrix((len(texts), 1), dtype=np.float32)
        matrix = sparse.csr_matrix(matrix)
    # Sorted once here, so the rows taken for every retraining need no sorting (scikit-learn would sort them
    # each time: measured, a fifth of a simulation's time).
    matrix.sort_indices()
    return TextFeatures(matrix)


def _vectorise_hashed(texts: list[str]) -> sparse.csr_matrix:
    """The TF-IDF of ``vectorise`` for a large corpus, in the memory of the result and one chunk of texts.

    The same terms (words and word pairs, as TfidfVectorizer splits them), term frequency 1 + log(count), the same
    smoothed idf, terms in fewer than 2 or more than 95% of the texts dropped, rows L2-normalised; but each term is
    a bucket of a hash rather than an entry of a vocabulary, so no dictionary of millions of strings is built, and
    the matrix is built once, chunk by chunk, instead of copied at each step. Two terms sharing a bucket count as
    one: rare at 2^25 buckets, and a linear model barely notices. The texts are read twice (document frequencies
    first, then weights), which costs time in a step done once per corpus."""
    hasher = HashingVectorizer(
        ngram_range=NGRAM_RANGE, n_features=HASHED_FEATURES, alternate_sign=False, norm=None, dtype=np.float32
    )
    chunks = [texts[start : start + HASHED_CHUNK] for start in range(0, len(texts), HASHED_CHUNK)]
    frequency = np.zeros(HASHED_FEATURES, dtype=np.int32)
    hashed = 0
    for chunk in chunks:
        counts = hasher.transform(chunk)
        # HashingVectorizer sums a text's repeated terms, so each bucket appears once a row.
        frequency += np.bincount(counts.indices, minlength=HASHED_FEATURES)
        hashed += counts.nnz
    kept = (frequency >= 2) & (frequency <= MAX_DF * len(texts))
    if not kept.any():
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)
    idf = np.log(np.float32(len(texts) + 1) / (frequency[kept] + np.float32(1))) + np.float32(1)
    del frequency
    column = np.cumsum(kept, dtype=np.int32) - 1
    index_type = np.int32 if hashed < 2**31 else np.int64
    # Room for every hashed term, filled chunk by chunk: the memory never written (the dropped terms) is never
    # taken from the system, and no chunk is kept to be joined to the others in a second copy.
    data, indices = np.empty(hashed, dtype=np.float32), np.empty(hashed, dtype=index_type)
    indptr = np.zeros(len(texts) + 1, dtype=index_type)
    filled, row = 0, 0
    for chunk in chunks:
        counts = hasher.transform(chunk)
        keep = kept[counts.indices]
        rows = np.repeat(np.arange(len(chunk)), np.diff(counts.indptr))[keep]
        np.cumsum(np.bincount(rows, minlength=len(chunk)), out=indptr[row + 1 : row + len(chunk) + 1])
        indptr[row + 1 : row + len(chunk) + 1] += filled
        columns = column[counts.indices[keep]]
        weights = counts.data[keep]
        np.log(weights, out=weights)
        weights += 1
        weights *= idf[columns]
        data[filled : filled + len(weights)] = weights
        indices[filled : filled + len(columns)] = columns
        filled += len(weights)
        row += len(chunk)
    matrix = sparse.csr_matrix((data[:filled], indices[:filled], indptr), shape=(len(texts), len(idf)))
    return normalize(matrix, copy=False)
