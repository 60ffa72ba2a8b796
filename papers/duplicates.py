"""Finding papers of the corpus that may be one paper, and listing them as DuplicateCandidate pairs.

Certain matches (papers/importers/matching.py: the same arXiv id, DOI or PubMed id, or the same title, year and
first author) are merged by the importer as records come in; a pair of *papers* can still be certain when a
record with both ids arrives after each id made its own paper (an arXiv preprint, then its DOI record, then a
record naming both). Likely matches are titles alike enough (papers/title_matching.py) whose ids do not
contradict them. Both kinds are stored for a person to merge or reject; nothing here merges (merging moves a
review's annotations: reviews/paper_merging.py).

Candidates of a paper are found through two indexed blocks (the ends of its title key) and among the papers
sharing one of its ids, ``CHUNK`` papers at a time, so memory stays flat whatever the size of the corpus.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Right, Substr

from .importers.matching import same_paper
from .importers.merge import ARXIV_DOI_PREFIX
from .models import DuplicateCandidate, FoundBy, Paper
from .title_matching import (
    BLOCK_LENGTH,
    LIKELY_THRESHOLD,
    MAX_BLOCK_SIZE,
    block_keys,
    title_similarity,
    years_close,
)

CHUNK = 2_000
FIELDS = ("title", "title_key", "year", "submitted_month", "arxiv_id", "doi", "pmid", "authors", "version")
CERTAIN_SCORE = 100.0


@dataclass(frozen=True, slots=True)
class Found:
    """A pair of papers (lower id first) that may be one paper."""

    low: int
    high: int
    score: float
    found_by: str


def record_likely_duplicates(paper_ids: Iterable[int]) -> int:
    """List the papers ``paper_ids`` may duplicate (each other, or any paper of the corpus) as open
    DuplicateCandidates; how many new pairs were listed. Pairs already listed, whatever their status, are left
    as they are: a pair someone rejected is never proposed again. Called by the importer for the papers a file
    created or updated."""
    ids = sorted(set(paper_ids))
    listed = 0
    for start in range(0, len(ids), CHUNK):
        papers = list(Paper.objects.filter(pk__in=ids[start : start + CHUNK]).only(*FIELDS))
        listed += len(store(candidates_of(papers)))
    return listed


def corpus_chunks(chunk: int = CHUNK) -> Iterator[list[Paper]]:
    """Every paper of the corpus, ``chunk`` at a time in id order (keyset pages, so memory stays flat)."""
    last = 0
    while True:
        papers = list(Paper.objects.filter(pk__gt=last).order_by("pk").only(*FIELDS)[:chunk])
        if not papers:
            return
        yield papers
        last = papers[-1].pk


def candidates_of(
    papers: list[Paper], *, only_higher: bool = False, same_titles: bool = False
) -> dict[tuple[int, int], Found]:
    """The pairs each of ``papers`` makes with another paper: certain ones (the same DOI or PubMed id, and with
    ``same_titles`` the same title, year and first author) and likely ones (similar titles, ids not
    contradicting). ``only_higher``: only pairs with a paper of a higher id (a scan of the whole corpus finds each
    pair once, from its lower paper). An import leaves ``same_titles`` off: it has just merged those itself."""
    found: dict[tuple[int, int], Found] = {}
    for paper, other, found_by, score in _certain(papers, same_titles) + _likely(papers):
        if other.pk == paper.pk or (only_higher and other.pk < paper.pk):
            continue
        low, high = sorted((paper.pk, other.pk))
        if (low, high) not in found:
            found[low, high] = Found(low, high, score, found_by)
    return found


def _certain(papers: list[Paper], same_titles: bool) -> list[tuple[Paper, Paper, str, float]]:
    """Papers sharing a DOI or PubMed id with one of ``papers`` (arXiv ids are unique), or (``same_titles``) its
    title key, year and first author. A title key more than MAX_BLOCK_SIZE papers share ("Editorial") is left to
    the ids: comparing each with each would cost more than it could find."""
    wanted = {
        "doi": {paper.doi for paper in papers if paper.doi},
        "pmid": {paper.pmid for paper in papers if paper.pmid},
    }
    if same_titles:
        keys = {paper.title_key for paper in papers if paper.title_key}
        counts = Paper.objects.filter(title_key__in=keys).order_by().values("title_key").annotate(n=Count("pk"))
        wanted["title_key"] = {row["title_key"] for row in counts if 1 < row["n"] <= MAX_BLOCK_SIZE}
    condition = Q()
    for column, values in wanted.items():
        if values:
            condition |= Q(**{f"{column}__in": values})
    if not condition:
        return []
    by_value = defaultdict(list)
    for other in Paper.objects.filter(condition).only(*FIELDS):
        for column, values in wanted.items():
            if (value := getattr(other, column)) in values:
                by_value[column, value].append(other)
    pairs = []
    for paper in papers:
        for column in wanted:
            value = getattr(paper, column)
            for other in by_value.get((column, value), ()) if value else ():
                if other.pk != paper.pk and same_paper(paper, other):
                    kind = FoundBy.TITLE_YEAR_AUTHOR if column == "title_key" else FoundBy.IDENTIFIER
                    pairs.append((paper, other, kind, CERTAIN_SCORE))
    return pairs


def _likely(papers: list[Paper]) -> list[tuple[Paper, object, str, float]]:
    """Papers of the corpus in a title block of one of ``papers`` whose titles are alike (see title_matching).

    A block holding more than ``MAX_BLOCK_SIZE`` papers ("… a systematic review and meta-analysis") is too
    common to say anything and would cost a comparison with each: it is left out, and the title's other block
    still finds its duplicates. Blocks are counted first, so a crowded one is never fetched.
    """
    keyed = [(paper, *block_keys(paper.title_key)) for paper in papers if paper.title_key]
    if not keyed:
        return []
    blocks = _blocks()
    starts = _small_blocks(blocks, "block_start", {start for _, start, _ in keyed})
    ends = _small_blocks(blocks, "block_end", {end for _, _, end in keyed})
    if not starts and not ends:
        return []
    rows = blocks.filter(Q(block_start__in=starts) | Q(block_end__in=ends)).values_list(
        "pk", "block_start", "block_end", "title", "year", "submitted_month", "arxiv_id", "doi", "pmid", named=True
    )
    by_start, by_end = defaultdict(list), defaultdict(list)
    for row in rows:
        if row.block_start in starts:
            by_start[row.block_start].append(row)
        if row.block_end in ends:
            by_end[row.block_end].append(row)
    pairs = []
    for paper, start, end in keyed:
        seen = {paper.pk}
        for other in (*by_start.get(start, ()), *by_end.get(end, ())):
            if other.pk in seen:
                continue
            seen.add(other.pk)
            if not years_close(_year(paper), _year(other)) or ids_disagree(paper, other):
                continue
            score = title_similarity(paper.title, other.title)
            if score >= LIKELY_THRESHOLD:
                pairs.append((paper, other, FoundBy.TITLE, score))
    return pairs


def _blocks():
    # The same expressions as the indexes paper_title_start and paper_title_end, so the database uses them.
    return Paper.objects.exclude(title_key="").annotate(
        block_start=Substr("title_key", 1, BLOCK_LENGTH), block_end=Right("title_key", BLOCK_LENGTH)
    )


def _small_blocks(blocks, column: str, keys: set[str]) -> set[str]:
    """Those of ``keys`` whose block holds at most MAX_BLOCK_SIZE papers."""
    counts = blocks.filter(**{f"{column}__in": keys}).order_by().values(column).annotate(n=Count("pk"))
    return {row[column] for row in counts if row["n"] <= MAX_BLOCK_SIZE}


def _year(paper) -> int | None:
    return paper.year or (paper.submitted_month.year if paper.submitted_month else None)


def ids_disagree(first, second) -> bool:
    """Whether the two papers have different ids of one kind, which makes them different papers whatever their
    titles say (an erratum and its article, two parts of a series). arXiv's own DOI of a preprint does not count
    against the journal's DOI of its publication."""
    for kind in ("arxiv_id", "pmid"):
        a, b = getattr(first, kind), getattr(second, kind)
        if a and b and a != b:
            return True
    journal = [doi for doi in (first.doi, second.doi) if doi and not doi.startswith(ARXIV_DOI_PREFIX)]
    return len(journal) == 2 and journal[0] != journal[1]


def store(found: dict[tuple[int, int], Found]) -> list[Found]:
    """Save the pairs not listed yet as open candidates; those, in the order given."""
    if not found:
        return []
    pairs = list(found)
    existing = set()
    for start in range(0, len(pairs), CHUNK):
        chunk_lows = sorted({low for low, _ in pairs[start : start + CHUNK]})
        existing.update(
            DuplicateCandidate.objects.filter(paper_a__in=chunk_lows).values_list("paper_a_id", "paper_b_id")
        )
    new = [item for pair, item in found.items() if pair not in existing]
    DuplicateCandidate.objects.bulk_create(
        [
            DuplicateCandidate(paper_a_id=item.low, paper_b_id=item.high, score=item.score, found_by=item.found_by)
            for item in new
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    return new
