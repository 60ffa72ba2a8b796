"""Similar papers: each paper's nearest neighbours by TF-IDF cosine similarity over its title and abstract.

``manage.py compute_similar`` stores every paper's ten nearest neighbours as SimilarPaper rows, so a page reads
them with one indexed query. The work here is one TF-IDF matrix of the corpus (scikit-learn; no model to
download) and its products with itself, a block of rows at a time: a block's similarities to every paper are one
sparse product made dense (``batch`` rows × all papers, float32), from which each row keeps its best ``k``. Memory
is the matrix plus one block, whatever the corpus size.

Keeping the lists current as papers arrive (``refresh``): the new papers get their own lists, and each older
paper's list takes in any new paper more similar than its tenth; the vocabulary and weights are fitted again on
the whole corpus each run, so scores of lists written earlier drift a little from a fresh run's until the next
full recompute. What a refresh after an import must do is in the data, not in the task that runs it: a new paper
has no list, and a paper an import changed carries a StaleSimilarList mark (``mark_stale``). So one refresh
catches up with any number of imports, whatever path brought their papers in (papers/tasks.py queues it).
"""

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from scipy import sparse

from .models import ImportBatch, Paper, SimilarPaper, StaleSimilarList

NEIGHBOURS = 10
# Rows × papers of one block's dense similarities: 16M float32 = 64 MB, the run's memory beyond the matrix.
BLOCK_CELLS = 16_000_000
# Words in more than this share of the papers say little about what a paper is about ("model", "results") and
# make every product denser; below MIN_PAPERS_FOR_MAX_DF papers the share would be a handful of papers, so all stay.
MAX_DF = 0.5
MIN_PAPERS_FOR_MAX_DF = 50
WRITE_BATCH = 5_000
# The PostgreSQL advisory lock one run holds ("SIMI"), so two runs never rewrite the same list at once.
RUN_LOCK = 0x53494D49
# Pending marks deleted per query (SQLite limits a query's parameters).
DELETE_BATCH = 500


@dataclass
class Corpus:
    """The TF-IDF rows (L2-normalised, so a dot product is the cosine) of every paper, in id order."""

    ids: np.ndarray
    matrix: sparse.csr_matrix
    terms: int = 0
    seconds: float = 0.0
    position: dict = field(default_factory=dict)

    def rows_of(self, paper_ids: Iterable[int]) -> np.ndarray:
        found = [self.position[paper_id] for paper_id in paper_ids if paper_id in self.position]
        return np.array(found, dtype=np.int64)


@dataclass
class Outcome:
    papers: int = 0  # papers whose own list was computed
    rows: int = 0  # SimilarPaper rows written
    updated_others: int = 0  # older papers whose list took in a new paper
    vectorise_seconds: float = 0.0
    neighbour_seconds: float = 0.0  # of which offering new papers to the others' lists, and writing own lists:
    offer_seconds: float = 0.0
    write_seconds: float = 0.0
    terms: int = 0


def paper_text(title: str, abstract: str) -> str:
    return f"{title}\n{abstract}".strip()


def load_corpus() -> Corpus:
    """Vectorise every paper's title and abstract (a paper with neither is a row of zeros and has no neighbours)."""
    started = time.perf_counter()
    ids: list[int] = []

    def texts() -> Iterator[str]:
        rows = Paper.objects.order_by("pk").values_list("pk", "title", "abstract")
        for paper_id, title, abstract in rows.iterator(chunk_size=2_000):
            ids.append(paper_id)
            yield paper_text(title, abstract)

    # Imported here: scikit-learn (with the pandas it loads) adds about 100 MB to every process that imports it,
    # and every web and import process imports this module (tasks, merging) without computing anything.
    from sklearn.feature_extraction.text import TfidfVectorizer

    count = Paper.objects.count()
    vectoriser = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        # A word in one paper only cannot make two papers similar.
        min_df=2 if count > 2 else 1,
        max_df=MAX_DF if count >= MIN_PAPERS_FOR_MAX_DF else 1.0,
        dtype=np.float32,
    )
    try:
        matrix = vectoriser.fit_transform(texts())
        terms = len(vectoriser.vocabulary_)
    except ValueError:
        # No words at all (an empty corpus, or papers without text or with stop words only): no neighbours.
        ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
        matrix = sparse.csr_matrix((len(ids), 1), dtype=np.float32)
        terms = 0
    id_array = np.array(ids, dtype=np.int64)
    return Corpus(
        ids=id_array,
        matrix=matrix.tocsr(),
        terms=terms,
        seconds=time.perf_counter() - started,
        position={int(paper_id): index for index, paper_id in enumerate(ids)},
    )


def block_size(columns: int, batch: int | None) -> int:
    if batch:
        return batch
    return max(1, min(2_000, BLOCK_CELLS // max(columns, 1)))


def nearest(
    corpus: Corpus,
    rows: np.ndarray,
    columns: np.ndarray | None = None,
    *,
    k: int = NEIGHBOURS,
    batch: int | None = None,
) -> Iterator[tuple[int, list[tuple[int, float]]]]:
    """For each of the corpus rows ``rows`` (positions), its ``k`` most similar papers among ``columns``
    (positions; all papers by default): ``(paper_id, [(similar_id, score), ...])``, best first, ties broken by
    the smaller id, never the paper itself, only papers sharing a word (score > 0)."""
    column_positions = np.arange(len(corpus.ids)) if columns is None else columns
    column_ids = corpus.ids[column_positions]
    transposed = corpus.matrix[column_positions].T.tocsr()
    # Where each row's own column is, so it can be left out of its own list.
    column_of = {int(position): index for index, position in enumerate(column_positions)}
    size = block_size(len(column_positions), batch)
    for start in range(0, len(rows), size):
        block = rows[start : start + size]
        similarities = (corpus.matrix[block] @ transposed).toarray()
        for offset, position in enumerate(block):
            if (own := column_of.get(int(position))) is not None:
                similarities[offset, own] = 0.0
        keep = min(k, similarities.shape[1])
        if keep == 0:
            for position in block:
                yield int(corpus.ids[position]), []
            continue
        if keep < similarities.shape[1]:
            candidates = np.argpartition(-similarities, keep - 1, axis=1)[:, :keep]
        else:
            candidates = np.broadcast_to(np.arange(similarities.shape[1]), (len(block), keep))
        scores = np.take_along_axis(similarities, candidates, axis=1)
        for offset, position in enumerate(block):
            found = [
                (int(column_ids[column]), float(score))
                for column, score in zip(candidates[offset], scores[offset], strict=True)
                if score > 0
            ]
            found.sort(key=lambda pair: (-pair[1], pair[0]))
            yield int(corpus.ids[position]), found


def write_lists(lists: list[tuple[int, list[tuple[int, float]]]]) -> int:
    """Replace these papers' lists with the given ones, in one transaction (a page sees the old list or the new)."""
    rows = [
        SimilarPaper(paper_id=paper_id, similar_id=similar_id, score=round(score, 6), rank=rank)
        for paper_id, found in lists
        for rank, (similar_id, score) in enumerate(found, start=1)
    ]
    with transaction.atomic():
        SimilarPaper.objects.filter(paper_id__in=[paper_id for paper_id, _ in lists]).delete()
        SimilarPaper.objects.bulk_create(rows, batch_size=WRITE_BATCH)
    return len(rows)


def compute(
    corpus: Corpus,
    positions: np.ndarray,
    *,
    batch: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    outcome: Outcome,
) -> None:
    """Compute and store the lists of the papers at ``positions``, against the whole corpus."""
    pending: list[tuple[int, list[tuple[int, float]]]] = []
    size = block_size(len(corpus.ids), batch)
    for done, listed in enumerate(nearest(corpus, positions, batch=batch), start=1):
        pending.append(listed)
        if len(pending) >= size or done == len(positions):
            started = time.perf_counter()
            outcome.rows += write_lists(pending)
            outcome.write_seconds += time.perf_counter() - started
            outcome.papers += len(pending)
            pending = []
            if progress:
                progress(done, len(positions))


def take_in(corpus: Corpus, newcomers: np.ndarray, *, batch: int | None = None, outcome: Outcome) -> None:
    """Put the ``newcomers`` (positions) into the lists of the other papers they are now among the nearest of."""
    if not len(newcomers):
        return
    newcomer_ids = set(int(paper_id) for paper_id in corpus.ids[newcomers])
    others = np.array([p for p in range(len(corpus.ids)) if int(corpus.ids[p]) not in newcomer_ids], dtype=np.int64)
    # A list's tenth score is the bar a newcomer must clear; a shorter list takes any newcomer sharing a word.
    bar = dict(SimilarPaper.objects.filter(rank=NEIGHBOURS).values_list("paper_id", "score"))
    offers: dict[int, list[tuple[int, float]]] = {}
    for paper_id, found in nearest(corpus, others, newcomers, batch=batch):
        better = [(similar_id, score) for similar_id, score in found if score > bar.get(paper_id, 0.0)]
        if better:
            offers[paper_id] = better
    paper_ids = list(offers)
    for start in range(0, len(paper_ids), WRITE_BATCH):
        chunk = paper_ids[start : start + WRITE_BATCH]
        current: dict[int, dict[int, float]] = {paper_id: {} for paper_id in chunk}
        for paper_id, similar_id, score in SimilarPaper.objects.filter(paper_id__in=chunk).values_list(
            "paper_id", "similar_id", "score"
        ):
            current[paper_id][similar_id] = score
        lists = []
        for paper_id in chunk:
            # A newcomer's fresh score replaces a stale one; a list already holding them as they are stays.
            merged = current[paper_id] | {similar_id: round(score, 6) for similar_id, score in offers[paper_id]}
            if merged == current[paper_id]:
                continue
            ranked = sorted(merged.items(), key=lambda pair: (-pair[1], pair[0]))[:NEIGHBOURS]
            lists.append((paper_id, ranked))
        if not lists:
            continue
        outcome.rows += write_lists(lists)
        outcome.updated_others += len(lists)


def papers_without_lists():
    """Papers with a title or an abstract and no stored neighbours: new since the last run (or with no word in
    common with any other paper, which a run finds again quickly)."""
    has_list = Exists(SimilarPaper.objects.filter(paper=OuterRef("pk")))
    return Paper.objects.exclude(title="", abstract="").filter(~has_list)


def mark_stale(batch_ids: Iterable[int]) -> int:
    """Mark the papers these import batches changed that already have a list, for the next refresh; returns how
    many. An import sets the ``updated_at`` of the papers it creates or changes to a time after its batch was
    created, so the papers of a batch updated since then are the ones it wrote (an unrelated change made
    meanwhile is marked too, which only costs its list being computed again)."""
    marked = 0
    has_list = Exists(SimilarPaper.objects.filter(paper=OuterRef("pk")))
    for batch in ImportBatch.objects.filter(pk__in=list(batch_ids)).only("pk", "imported_at"):
        changed = batch.papers.filter(has_list, updated_at__gte=batch.imported_at).values_list("pk", flat=True)
        marks = [StaleSimilarList(paper_id=paper_id) for paper_id in changed.iterator(chunk_size=WRITE_BATCH)]
        StaleSimilarList.objects.bulk_create(marks, batch_size=WRITE_BATCH)
        marked += len(marks)
    return marked


def forget_merged(merged_id: int, survivor_id: int) -> None:
    """Before a merge (reviews/paper_merging.py) moves the merged paper's rows to the survivor: its list goes, it
    leaves the lists it was in (moved, they would list the survivor beside itself, or twice), and those lists and
    the survivor's, whose text the merge may fill in, are marked for the next refresh."""
    holders = set(SimilarPaper.objects.filter(similar_id=merged_id).values_list("paper_id", flat=True))
    SimilarPaper.objects.filter(Q(paper_id=merged_id) | Q(similar_id=merged_id)).delete()
    StaleSimilarList.objects.filter(paper_id=merged_id).delete()
    stale = (holders | {survivor_id}) - {merged_id}
    StaleSimilarList.objects.bulk_create([StaleSimilarList(paper_id=paper_id) for paper_id in sorted(stale)])


@contextmanager
def one_run_at_a_time():
    """Runs wait for each other (a worker's refresh, a second worker's, ``compute_similar`` from a shell): two at
    once would both replace a list (delete, then insert; neither sees the other's rows before it commits) and one
    fail on the rank's unique index, as measured. Waiting costs nothing the later run would not redo, and it then
    reads the corpus as the earlier left it. SQLite writes one transaction at a time anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [RUN_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK])


def refresh(
    *,
    paper_ids: Iterable[int] | None = None,
    missing_only: bool = False,
    batch: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Compute similar papers: for every paper (the default), for ``paper_ids``, or for the papers without a list
    or marked stale by an import (``missing_only``, what a refresh after imports does). The latter two also offer
    those papers to every other paper's list, a cost of their number times the corpus; when they are half the
    corpus or more, the full recompute is cheaper and runs instead. The marks of the papers computed are deleted.
    One run at a time (``one_run_at_a_time``).
    """
    with one_run_at_a_time():
        return _refresh(paper_ids, missing_only, batch, progress)


def _refresh(paper_ids, missing_only: bool, batch: int | None, progress) -> Outcome:
    # The marks are read before the corpus: a mark made afterwards is for a change this run may not have seen,
    # and stays for the next.
    marks = StaleSimilarList.objects.all()
    if missing_only:
        marked = list(marks.values_list("pk", "paper_id"))
        paper_ids = {paper_id for _, paper_id in marked} | set(papers_without_lists().values_list("pk", flat=True))
        if not paper_ids:
            return Outcome()
    elif paper_ids is not None:
        paper_ids = set(paper_ids)
        marked = [(pk, paper_id) for pk, paper_id in marks.values_list("pk", "paper_id") if paper_id in paper_ids]
    else:
        marked = list(marks.values_list("pk", "paper_id"))
    corpus = load_corpus()
    outcome = Outcome(vectorise_seconds=corpus.seconds, terms=corpus.terms)
    started = time.perf_counter()
    positions = None if paper_ids is None else corpus.rows_of(sorted(paper_ids))
    if positions is None or 2 * len(positions) >= len(corpus.ids):
        compute(corpus, np.arange(len(corpus.ids)), batch=batch, progress=progress, outcome=outcome)
    else:
        compute(corpus, positions, batch=batch, progress=progress, outcome=outcome)
        offering = time.perf_counter()
        take_in(corpus, positions, batch=batch, outcome=outcome)
        outcome.offer_seconds = time.perf_counter() - offering
    done = [pk for pk, _ in marked]
    for start in range(0, len(done), DELETE_BATCH):
        StaleSimilarList.objects.filter(pk__in=done[start : start + DELETE_BATCH]).delete()
    if connection.vendor == "postgresql":
        # The planner's estimate of a paper's rows must be ten, not a guess from a table it has not sampled, or it
        # plans the page's lookup as a parallel scan (14 ms instead of under 1 ms, measured on 100,000 papers).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SimilarPaper._meta.db_table}")
    outcome.neighbour_seconds = time.perf_counter() - started
    return outcome
