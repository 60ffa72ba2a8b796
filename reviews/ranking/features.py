"""A corpus's texts as TF-IDF vectors, computed once and reused by every retraining and ranking."""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

# ASReview LAB 3's default features (ELAS u4, tuned on the SYNERGY datasets): words and word pairs, term
# frequency dampened by its logarithm, and terms in more than 95% of records dropped as carrying nothing.
NGRAM_RANGE = (1, 2)
MAX_DF = 0.95


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
    abstracts have millions of word pairs, most of them seen once)."""
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
