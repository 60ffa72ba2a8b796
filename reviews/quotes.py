"""Finding a passage quoted from an abstract, as selected in a browser."""

import re


def locate_quote(abstract: str, quote: str, near: int | None = None) -> tuple[int, int] | None:
    """Where ``quote`` stands in ``abstract`` as (start, end) offsets, or None if it is not there.

    A browser's selection may differ from the stored text in whitespace (paragraph breaks, wrapped
    lines), so runs of whitespace match any run. Of several occurrences, the one nearest ``near``
    (the selection's offset in the page) wins.
    """
    words = quote.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    matches = list(pattern.finditer(abstract))
    if not matches:
        return None
    best = min(matches, key=lambda match: abs(match.start() - near)) if near is not None else matches[0]
    return best.start(), best.end()


def current_range(abstract: str, quote: str, start: int, end: int) -> tuple[int, int] | None:
    """Where a stored quote stands in ``abstract`` now, as (start, end) offsets, or None if it is gone.

    The stored offsets hold while the abstract is the one quoted from; once a newer import has replaced it,
    the quote is looked for again, nearest its old place.
    """
    if quote and abstract[start:end] == quote:
        return start, end
    return locate_quote(abstract, quote, near=start)


def merge_ranges(ranges: list[tuple[int, int, int]]) -> list[tuple[int, int, list[int]]]:
    """Overlapping (start, end, comment_id) ranges merged into (start, end, [comment ids]), in text order."""
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, comment_id in sorted(ranges):
        if merged and start < merged[-1][1]:
            last_start, last_end, ids = merged[-1]
            merged[-1] = (last_start, max(last_end, end), [*ids, comment_id])
        else:
            merged.append((start, end, [comment_id]))
    return merged
