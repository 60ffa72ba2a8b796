"""The TF-IDF features a review's priority ranking learns from, kept between retrainings.

Vectorising every title and abstract of a large review takes far longer than training on its decisions (measured
in the README: the features are most of a first retraining), and the texts change far less often than the
decisions. So the features of a review are computed once and kept — in the worker's memory and on disk
(``PRIORITY_CACHE_DIR``) — under a key made of the review's papers and when each was last changed: an import into
the review, a paper merged away or an abstract enriched gives a new key, and the next retraining vectorises again.
"""

import hashlib
import logging
import os
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Max
from scipy import sparse

from papers.models import Paper

from .ranking import TextFeatures, record_text, vectorise

logger = logging.getLogger(__name__)

# Features of this many reviews stay in a worker's memory (a 100,000-paper review's take about 100 MB).
MEMORY_SLOTS = 2
READ_BATCH = 2_000
_in_memory: OrderedDict[tuple[int, str], TextFeatures] = OrderedDict()


def review_features(review_id: int, paper_ids: list[int]) -> TextFeatures:
    """TF-IDF rows of ``paper_ids`` (ascending), in that order."""
    key = (review_id, _fingerprint(review_id, paper_ids))
    if (features := _in_memory.get(key)) is not None:
        _in_memory.move_to_end(key)
        return features
    features = _read(key) or _compute(key, paper_ids)
    _in_memory[key] = features
    while len(_in_memory) > MEMORY_SLOTS:
        _in_memory.popitem(last=False)
    return features


def _fingerprint(review_id: int, paper_ids: list[int]) -> str:
    """The review's paper ids and the latest change to any of them."""
    digest = hashlib.sha256(np.asarray(paper_ids, dtype=np.int64).tobytes())
    latest = Paper.objects.filter(review_papers__review_id=review_id).aggregate(latest=Max("updated_at"))["latest"]
    digest.update(str(latest).encode())
    return digest.hexdigest()[:32]


def _path(key: tuple[int, str]) -> Path:
    return Path(settings.PRIORITY_CACHE_DIR) / f"review-{key[0]}-{key[1]}.npz"


def _read(key) -> TextFeatures | None:
    """The features kept on disk, or None when there are none or the file is damaged (a disk that filled up
    or a copy cut short): they are then computed again and the file replaced."""
    try:
        return TextFeatures(sparse.load_npz(_path(key)).tocsr())
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None


def _compute(key, paper_ids: list[int]) -> TextFeatures:
    texts = []
    for start in range(0, len(paper_ids), READ_BATCH):
        chunk = paper_ids[start : start + READ_BATCH]
        rows = Paper.objects.filter(pk__in=chunk).values_list("pk", "title", "abstract")
        found = {pk: record_text(title, abstract) for pk, title, abstract in rows}
        texts.extend(found.get(paper_id, "") for paper_id in chunk)
    features = vectorise(texts)
    _write(key, features)
    return features


def _write(key, features: TextFeatures) -> None:
    """Keep the features on disk for the next worker start, replacing the review's older ones; a cache that
    cannot be written (a read-only or full disk) only costs the next worker a vectorising."""
    path = _path(key)
    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            partial = Path(handle.name)
            sparse.save_npz(handle, features.matrix, compressed=False)
        os.replace(partial, path)
        for older in path.parent.glob(f"review-{key[0]}-*.npz"):
            if older != path:
                older.unlink(missing_ok=True)
    except OSError:
        logger.warning("Could not keep the priority features of review %s in %s", key[0], path.parent, exc_info=True)
        if partial is not None:
            partial.unlink(missing_ok=True)
