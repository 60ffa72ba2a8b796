"""Full-text search: PostgreSQL's tsvector machinery, with a plain substring fallback elsewhere."""

import re

from django.db import connection

SEARCH_CONFIG = "english"
# PostgreSQL only (migration 0002): the GIN index on Paper.search_document, and the expression its trigger
# computes the document with. The importer computes the same expression in bulk.
SEARCH_INDEX = "paper_search_document_gin"
SEARCH_DOCUMENT_SQL = (
    "setweight(to_tsvector('english'::regconfig, coalesce({title}, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce({abstract}, '')), 'B')"
)
# Control characters never found in abstracts mark highlighted spans, so the text can be escaped
# first and the marks turned into <mark> afterwards.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_STOP = "\x03"


SEARCH_TERM = re.compile(r'(-?)"([^"]+)"|(-?)(\S+)')
# Beyond this many words a query only costs time (and SQLite's expression depth).
MAX_SEARCH_TERMS = 20


def parse_search_terms(text: str) -> tuple[list[str], list[str]]:
    """Split a web-style query into (wanted, excluded) terms: quoted phrases stay whole, ``-word`` excludes."""
    wanted, excluded = [], []
    for match in SEARCH_TERM.finditer(text):
        negated, term = (match[1], match[2]) if match[2] is not None else (match[3], match[4])
        term = term.strip()
        if not term or term.lower() == "or":
            continue
        (excluded if negated else wanted).append(term)
        if len(wanted) + len(excluded) == MAX_SEARCH_TERMS:
            break
    return wanted, excluded


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def substring_headline(text: str, terms: list[str], *, context_words: int = 30, max_fragments: int = 3) -> str:
    """An excerpt of ``text`` around case-insensitive matches of ``terms``, matches wrapped in highlight marks.

    The fallback for databases without ts_headline; the result uses the same marks, so templates treat
    both alike. Without a match it returns the opening words.
    """
    words = text.split()
    if not terms:
        return " ".join(words[: context_words * 2])
    term_words = [word.lower() for term in terms for word in term.split()]
    hits = [i for i, word in enumerate(words) if any(term in word.lower() for term in term_words)]
    if not hits:
        return " ".join(words[: context_words * 2])
    fragments, last_end = [], -1
    for hit in hits:
        if len(fragments) == max_fragments:
            break
        start, end = max(0, hit - context_words // 2), min(len(words), hit + context_words // 2 + 1)
        if start <= last_end:
            continue
        fragment = " ".join(words[start:end])
        fragments.append(("… " if start > 0 else "") + fragment + (" …" if end < len(words) else ""))
        last_end = end
    excerpt = " ".join(fragments).replace("… …", "…")
    pattern = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return re.sub(f"({pattern})", f"{HIGHLIGHT_START}\\1{HIGHLIGHT_STOP}", excerpt, flags=re.IGNORECASE)


def add_fallback_headlines(rows, search_text: str, abstract_of=lambda row: row.abstract) -> None:
    """Give each row of a page a ``headline`` where the database made none (everywhere but PostgreSQL)."""
    if not search_text or uses_full_text_search():
        return
    wanted, _ = parse_search_terms(search_text)
    for row in rows:
        row.headline = substring_headline(abstract_of(row), wanted)
