"""Ranking papers by how likely a review is to include them, from the decisions it has made so far.

Pure Python and scikit-learn, no database: the app (priority order), the simulation command and the benchmarks
all call the same three steps —

    features = vectorise(texts)                      # once per corpus: TF-IDF over title and abstract
    model = fit(features, {index: 0 or 1}, seed=0)   # every time decisions change
    ranking = rank(model, unlabelled_indexes)        # [(index, score)], most likely include first

The defaults follow ASReview LAB 3's default model, ELAS u4 (TF-IDF over word 1- and 2-grams with sublinear
term frequency, a linear SVM, includes weighted up so the few of them are not drowned by the excludes); see
``model.py`` for what differs and why.
"""

from .features import TextFeatures, record_text, vectorise
from .model import CLASSIFIERS, RankingModel, fit, rank

__all__ = ["CLASSIFIERS", "RankingModel", "TextFeatures", "fit", "rank", "record_text", "vectorise"]
