"""The rules for combining what a paper already holds with a newly read record of it.

Versions: a known version is newer than none; a record with an unknown version is never "older" (it
cannot prove it is), but neither is it newer, so it never replaces an abstract that is already there.
"""

METADATA_FIELDS = ("title", "authors", "primary_category", "doi", "url")


def is_newer(version: int | None, than: int | None) -> bool:
    return version is not None and (than is None or version > than)


def is_older(version: int | None, than: int | None) -> bool:
    return version is not None and than is not None and version < than


def merge_record(target, record) -> list[str]:
    """Fold ``record`` into ``target`` (a Paper or another PaperRecord) and return the fields that changed.

    A strictly newer version replaces the abstract; otherwise the abstract only fills a blank one.
    Non-empty metadata overwrites unless the record is older than ``target``, when it only fills blanks.
    A field the record lacks never blanks one ``target`` has.
    """
    changed = []
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
    return changed


def merge_duplicates(records) -> tuple[dict, int]:
    """Records keyed by canonical id, repeats folded in with merge_record; also how many repeats there were."""
    merged = {}
    repeats = 0
    for record in records:
        first = merged.get(record.arxiv_id)
        if first is None:
            merged[record.arxiv_id] = record
        else:
            merge_record(first, record)
            repeats += 1
    return merged, repeats
