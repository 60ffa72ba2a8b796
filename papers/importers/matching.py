"""Which paper a record stands for: the rules that make two records, or a record and a paper, the same paper.

The ids are compared in order of trust: arXiv id, DOI, PubMed id. The first kind of id that both sides have
decides, either way: two records with different DOIs are different papers however alike their titles (an
erratum, a reply), and the same DOI makes them one paper whatever their titles say. Only when neither side has
an id the other has do the titles decide, and then only the normalised title, first author and year together
are certain. Looser title matches are *likely* duplicates, for a person to confirm (papers/duplicates.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from ..identity import first_author_key
from ..models import Paper
from .records import PaperRecord

ID_KINDS = ("arxiv_id", "doi", "pmid")
# What same_paper, best_identity and RecordIndex read of a paper.
IDENTITY_FIELDS = (*ID_KINDS, "title_key", "year", "submitted_month", "authors")


def best_identity(item) -> tuple:
    """The best id a record or paper has, as ``(kind, value)``: the identity that names it in reports."""
    for kind in ID_KINDS:
        if value := getattr(item, kind):
            return (kind, value)
    return ("title", item.title_key, _year_of(item), first_author_key(item.authors))


def same_paper(a, b) -> bool:
    """Whether ``a`` and ``b`` (records or papers) are certainly the same paper (see the module's rule)."""
    for kind in ID_KINDS:
        first, second = getattr(a, kind), getattr(b, kind)
        if first and second:
            return first == second
    key = a.title_key
    return bool(key) and (key, _year_of(a), first_author_key(a.authors)) == (
        b.title_key,
        _year_of(b),
        first_author_key(b.authors),
    )


def _year_of(item) -> int | None:
    if isinstance(item, Paper):
        return item.year or (item.submitted_month.year if item.submitted_month and item.arxiv_id else None)
    return item.year


class RecordIndex:
    """Records seen so far, found again by any of their ids or their title key."""

    def __init__(self):
        self._by_key: dict[tuple, list] = {}

    def find(self, record):
        for key in _lookup_keys(record):
            for candidate in self._by_key.get(key, ()):
                if same_paper(record, candidate):
                    return candidate
        return None

    def add(self, item) -> None:
        for key in _lookup_keys(item):
            bucket = self._by_key.setdefault(key, [])
            if not any(existing is item for existing in bucket):
                bucket.append(item)


def _lookup_keys(item) -> list[tuple]:
    keys = [(kind, value) for kind in ID_KINDS if (value := getattr(item, kind))]
    if key := item.title_key:
        keys.append(("title", key))
    return keys


@dataclass(slots=True)
class MergedRecords:
    """A file's records with repeats folded together: ``repeats`` were the same record again, ``duplicates``
    another record (a different best id) of a paper the file already held."""

    records: list[PaperRecord]
    repeats: int = 0
    duplicates: int = 0


def merge_repeats(records: Iterable[PaperRecord], merge) -> MergedRecords:
    """Fold records of the same paper within one file into the first of them, with ``merge(first, record)``."""
    index = RecordIndex()
    result = MergedRecords(records=[])
    for record in records:
        first = index.find(record)
        if first is None:
            result.records.append(record)
            index.add(record)
            continue
        if best_identity(first) == best_identity(record):
            result.repeats += 1
        else:
            result.duplicates += 1
        merge(first, record)
        index.add(first)
    return result


def existing_matches(records: list[PaperRecord], staging=None) -> dict[int, Paper]:
    """The existing paper each record stands for, keyed by the record's position in ``records``.

    One query per kind of id, most trusted first, then titles only for the records no id matched, and a record
    with an arXiv id only among papers without one (any other arXiv id would make them different papers): a
    common title ("Editorial") must not bring thousands of papers into every chunk of an arXiv import.
    A paper found by an id is nearly always the match, so it is read whole at once; title candidates are many
    more than matches, so they come with the fields that tell them apart only, and the matched are read after.
    With ``staging`` (papers/importers/staging.py), the papers this import staged are candidates as well.
    """

    def candidates(papers):
        papers = papers.order_by("pk")
        # Staged ids are drawn after every existing paper's, so the two together stay in id order.
        return [*papers, *(staging.rows(papers) if staging else ())]

    found: dict[int, Paper] = {}
    everyone = range(len(records))
    for kind in ID_KINDS:
        if values := {value for record in records if (value := getattr(record, kind))}:
            # The partial index's own condition, written out: PostgreSQL cannot prove it from a list of more
            # than 100 values, and would scan the table instead.
            papers = Paper.objects.filter(**{f"{kind}__any_of": values}).exclude(**{kind: ""})
            _match(records, everyone, candidates(papers.defer("search_document")), found)
    unmatched = [position for position in everyone if position not in found and records[position].title_key]
    by_title: dict[int, Paper] = {}
    for has_arxiv_id in (True, False):
        positions = [position for position in unmatched if bool(records[position].arxiv_id) == has_arxiv_id]
        if not positions:
            continue
        keys = {records[position].title_key for position in positions}
        papers = Paper.objects.filter(title_key__any_of=keys).exclude(title_key="")
        papers = papers.filter(arxiv_id="") if has_arxiv_id else papers
        _match(records, positions, candidates(papers.only(*IDENTITY_FIELDS)), by_title)
    # One instance a paper, so that two records merging into it both reach the row that is written.
    whole = {paper.pk: paper for paper in found.values()}
    missing = {paper.pk for paper in by_title.values()} - whole.keys()
    staged = {pk for pk in missing if staging and staging.holds(pk)}
    whole.update(Paper.objects.defer("search_document").in_bulk(missing - staged))
    if staged:
        whole.update(staging.in_bulk(staged))
    found.update({position: whole[paper.pk] for position, paper in by_title.items()})
    return found


def _match(records: list[PaperRecord], positions, papers, found: dict[int, Paper]) -> None:
    index = RecordIndex()
    for paper in papers:
        index.add(paper)
    for position in positions:
        if position not in found and (paper := index.find(records[position])) is not None:
            found[position] = paper
