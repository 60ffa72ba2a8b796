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

from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
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
# Blocks remembered across the chunks of one import (a few hundred bytes each).
MAX_KNOWN_BLOCKS = 100_000


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
    created."""
    ids = sorted(set(paper_ids))
    listed, known = 0, {}
    for chunk in _chunked(ids, CHUNK):
        if len(known) > MAX_KNOWN_BLOCKS:  # a huge import keeps its memory flat
            known.clear()
        papers = list(Paper.objects.filter(pk__any_of=chunk).order_by().only(*FIELDS))
        listed += len(store(candidates_of(papers, known=known)))
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
    papers: list[Paper], *, only_higher: bool = False, same_titles: bool = False, known: dict | None = None
) -> dict[tuple[int, int], Found]:
    """The pairs each of ``papers`` makes with another paper: certain ones (the same DOI or PubMed id, and with
    ``same_titles`` the same title, year and first author) and likely ones (similar titles, ids not
    contradicting). ``only_higher``: only pairs with a paper of a higher id (a scan of the whole corpus finds each
    pair once, from its lower paper). An import leaves ``same_titles`` off: it has just merged those itself.
    ``known``: the title blocks earlier chunks of the same run looked up (see _block_members)."""
    found: dict[tuple[int, int], Found] = {}
    known = {} if known is None else known
    for paper, other, found_by, score in _certain(papers, same_titles) + _likely(papers, known):
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
        counts = Paper.objects.filter(title_key__in=keys).exclude(title_key="").order_by().values("title_key")
        counts = counts.annotate(n=Count("pk"))
        wanted["title_key"] = {row["title_key"] for row in counts if 1 < row["n"] <= MAX_BLOCK_SIZE}
    # Ids first (most of them name only the paper itself), then whole papers only where a value is shared. One
    # query a column, saying "not blank", so each uses its partial index (paper_doi, paper_pmid, paper_title_key).
    holders = defaultdict(set)
    for column, values in wanted.items():
        for chunk in _chunked(sorted(values), CHUNK):
            rows = Paper.objects.filter(**{f"{column}__any_of": chunk}).exclude(**{column: ""}).order_by()
            for pk, value in rows.values_list("pk", column):
                holders[column, value].add(pk)
    shared = {key: pks for key, pks in holders.items() if len(pks) > 1}
    loaded = {paper.pk: paper for paper in papers}
    missing = {pk for pks in shared.values() for pk in pks} - loaded.keys()
    loaded.update(Paper.objects.only(*FIELDS).in_bulk(missing))
    by_value = {key: [loaded[pk] for pk in sorted(pks)] for key, pks in shared.items()}
    pairs = []
    for paper in papers:
        for column in wanted:
            value = getattr(paper, column)
            for other in by_value.get((column, value), ()) if value else ():
                if other.pk != paper.pk and same_paper(paper, other):
                    kind = FoundBy.TITLE_YEAR_AUTHOR if column == "title_key" else FoundBy.IDENTIFIER
                    pairs.append((paper, other, kind, CERTAIN_SCORE))
    return pairs


def _likely(papers: list[Paper], known: dict) -> list[tuple[Paper, object, str, float]]:
    """Papers of the corpus in a title block of one of ``papers`` whose titles are alike (see title_matching).

    A block holding more than ``MAX_BLOCK_SIZE`` papers ("… a systematic review and meta-analysis") is too
    common to say anything and would cost a comparison with each: it is left out, and the title's other block
    still finds its duplicates.
    """
    keyed = [(paper, *block_keys(paper.title_key)) for paper in papers if paper.title_key]
    if not keyed:
        return []
    by_start = _block_members("start", {start for _, start, _ in keyed}, known)
    by_end = _block_members("end", {end for _, _, end in keyed}, known)
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


Member = namedtuple("Member", "pk title year submitted_month arxiv_id doi pmid")


def _block_members(end: str, keys: set[str], known: dict) -> dict[str, list[Member]]:
    """The papers of each block named in ``keys`` (``end``: "start" or "end" of the title key), leaving out
    blocks of more than MAX_BLOCK_SIZE papers. Their ids first (on PostgreSQL one query reads at most
    MAX_BLOCK_SIZE + 1 a block through its index, however crowded the block), then the columns a comparison
    needs for the papers of the small blocks only. ``known`` keeps the blocks looked up by earlier chunks of the
    same run (the corpus does not change meanwhile), so a crowded block is read once."""
    wanted = {key for key in keys if (end, key) not in known}
    if wanted:
        expression = Substr("title_key", 1, BLOCK_LENGTH) if end == "start" else Right("title_key", BLOCK_LENGTH)
        ids: dict[str, list[int]] = defaultdict(list)
        for key, pk in _block_ids(expression, sorted(wanted)):
            ids[key].append(pk)
        for key in wanted:
            found = ids.get(key, [])
            known[end, key] = found if len(found) <= MAX_BLOCK_SIZE else None
    member_ids = {pk for key in keys for pk in known[end, key] or ()}
    rows = {}
    for chunk in _chunked(sorted(member_ids), CHUNK):
        for row in Paper.objects.filter(pk__any_of=chunk).order_by().values_list(*MEMBER_COLUMNS):
            rows[row[0]] = Member(*row)
    return {key: [rows[pk] for pk in known[end, key] if pk in rows] for key in keys if known[end, key]}


MEMBER_COLUMNS = ("pk", "title", "year", "submitted_month", "arxiv_id", "doi", "pmid")


def _block_ids(expression, keys: list[str]) -> list[tuple[str, int]]:
    """(block, paper id) of the blocks ``keys``: all of a small block, MAX_BLOCK_SIZE + 1 of a crowded one."""
    blocks = Paper.objects.exclude(title_key="").annotate(block=expression)
    if connection.vendor != "postgresql":
        return list(blocks.filter(block__in=keys).order_by().values_list("block", "pk"))
    # The expression compiles as the index paper_title_start / paper_title_end was built, so each key is an
    # index scan that stops after MAX_BLOCK_SIZE + 1 rows.
    query = blocks.query
    block_sql, block_params = expression.resolve_expression(query).as_sql(
        query.get_compiler(connection=connection), connection
    )
    table = connection.ops.quote_name(Paper._meta.db_table)
    block_sql = block_sql.replace(f"{table}.", "p.")
    sql = (
        f"SELECT k.key, m.id FROM unnest(%s::text[]) AS k(key) CROSS JOIN LATERAL ("  # noqa: S608 - names only
        f"SELECT p.id FROM {table} p WHERE NOT (p.title_key = '') AND {block_sql} = k.key "
        f"LIMIT {MAX_BLOCK_SIZE + 1}) m"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [keys, *block_params])
        return cursor.fetchall()


def _chunked(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
