"""The rules for combining what a paper already holds with a newly read record of it.

Versions: a known version is newer than none; a record with an unknown version is never "older" (it
cannot prove it is), but neither is it newer, so it never replaces an abstract that is already there.
"""

from ..identity import title_key
from ..models.paper import month_of

METADATA_FIELDS = ("title", "authors", "primary_category", "url", "venue", "year", "month")
# Ids fill blanks only: a paper's id is what names it, and a record matched on another id cannot change it.
ID_FIELDS = ("arxiv_id", "doi", "pmid")
ARXIV_DOI_PREFIX = "10.48550/arxiv."


def is_newer(version: int | None, than: int | None) -> bool:
    return version is not None and (than is None or version > than)


def is_older(version: int | None, than: int | None) -> bool:
    return version is not None and than is not None and version < than


def merge_record(target, record) -> list[str]:
    """Fold ``record`` into ``target`` (a Paper or another PaperRecord) and return the fields that changed.

    A strictly newer version replaces the abstract; otherwise the abstract only fills a blank one.
    Non-empty metadata overwrites unless the record is older than ``target``, when it only fills blanks.
    Ids only fill blanks, but a published DOI replaces arXiv's own DOI for the same paper.
    A field the record lacks never blanks one ``target`` has.
    """
    changed = []
    for name in ID_FIELDS:
        value, current = getattr(record, name), getattr(target, name)
        replaces = doi_replaces(current, value) if name == "doi" else not current
        if value and value != current and replaces:
            setattr(target, name, value)
            changed.append(name)
    if "arxiv_id" in changed:
        target.version = record.version
        changed.append("version")
        newer = older = False
    else:
        newer = is_newer(record.version, target.version)
        older = is_older(record.version, target.version)
    if newer:
        target.version = record.version
        changed.append("version")
    if record.abstract and record.abstract != target.abstract and (newer or not target.abstract.strip()):
        target.abstract = record.abstract
        changed.append("abstract")
    for name in METADATA_FIELDS:
        value = getattr(record, name)
        if not value:
            continue
        current = getattr(target, name)
        if value == current or (current and older):
            continue
        setattr(target, name, value)
        changed.append(name)
    if merged_extra := _merged_extra(target.extra, record.extra, older):
        target.extra = merged_extra
        changed.append("extra")
    if "title" in changed and hasattr(target, "title_key"):
        target.title_key = title_key(target.title)
        changed.append("title_key")
    if hasattr(target, "submitted_month") and {"arxiv_id", "year", "month"} & set(changed):
        month = month_of(target.arxiv_id, target.year, target.month)
        if month != target.submitted_month:
            target.submitted_month = month
            changed.append("submitted_month")
    return changed


def _merged_extra(current: dict, new: dict, older: bool) -> dict | None:
    """``current`` with ``new``'s non-empty values added (or, unless older, updated); None if nothing changes."""
    merged = dict(current)
    for key, value in new.items():
        if value in ("", None, [], {}) or merged.get(key) == value or (older and merged.get(key)):
            continue
        merged[key] = value
    return merged if merged != current else None


def doi_replaces(current: str, doi: str) -> bool:
    """Whether ``doi`` takes the place of a paper's ``current`` DOI: it fills a blank one, and a journal's DOI
    replaces arXiv's own (10.48550/arxiv.…) for the same paper."""
    return bool(doi) and (not current or current.startswith(ARXIV_DOI_PREFIX) and not doi.startswith(ARXIV_DOI_PREFIX))
