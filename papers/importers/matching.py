"""Which paper a record stands for: the rules that make two records, or a record and a paper, the same paper.

The ids are compared in order of trust: arXiv id, DOI, PubMed id. The first kind of id that both sides have
decides, either way: two records with different DOIs are different papers however alike their titles (an
erratum, a reply), and the same DOI makes them one paper whatever their titles say. Only when neither side has
an id the other has do the titles decide, and then only the normalised title, first author and year together
are certain. Looser title matches are *likely* duplicates, for a person to confirm (papers/duplicates.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from ..identity import first_author_key, title_key
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
    return ("title", _title_key_of(item), _year_of(item), first_author_key(item.authors))


def same_paper(a, b) -> bool:
    """Whether ``a`` and ``b`` (records or papers) are certainly the same paper (see the module's rule)."""
    for kind in ID_KINDS:
        first, second = getattr(a, kind), getattr(b, kind)
        if first and second:
            return first == second
    key = _title_key_of(a)
    return bool(key) and (key, _year_of(a), first_author_key(a.authors)) == (
        _title_key_of(b),
        _year_of(b),
        first_author_key(b.authors),
    )


def _title_key_of(item) -> str:
    return item.title_key if isinstance(item, Paper) else title_key(item.title)


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
    if key := _title_key_of(item):
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


def existing_matches(records: list[PaperRecord]) -> dict[int, Paper]:
    """The existing paper each record stands for, keyed by the record's position in ``records``."""
    wanted = {kind: {value for r in records if (value := getattr(r, kind))} for kind in ID_KINDS}
    wanted["title_key"] = {key for r in records if (key := title_key(r.title))}
    condition = Q()
    for column, values in wanted.items():
        if values:
            condition |= Q(**{f"{column}__in": values})
    if not condition:
        return {}
    # Candidates are many more than matches (a common title is shared by many papers), so they come with the
    # fields that tell them apart only; the papers matched are then read whole, for the records to merge into.
    index = RecordIndex()
    for paper in Paper.objects.filter(condition).only(*IDENTITY_FIELDS).order_by("pk"):
        index.add(paper)
    found = {position: paper.pk for position, record in enumerate(records) if (paper := index.find(record))}
    papers = Paper.objects.defer("search_document").in_bulk(set(found.values()))
    return {position: papers[pk] for position, pk in found.items()}
