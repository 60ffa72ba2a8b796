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
# Control characters mark highlighted spans, so the text can be escaped first and the marks turned into
# <mark> afterwards. Abstracts are stored as imported and may hold them too: every excerpt is made from the
# text with them removed (without_highlight_marks), so the only marks in it are the search's.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_STOP = "\x03"
HIGHLIGHT_MARKS = re.compile("[\x02\x03]")


def without_highlight_marks(text: str) -> str:
    return HIGHLIGHT_MARKS.sub("", text)


SEARCH_TERM = re.compile(r'(-?)"([^"]+)"|(-?)(\S+)')
# Beyond this many words a query only costs time (and SQLite's expression depth).
MAX_SEARCH_TERMS = 20
# Control characters (the highlight marks among them, and NUL, which PostgreSQL text cannot hold) and lone
# surrogates (which no encoding can send to a database) are never part of a search; they become spaces.
UNSEARCHABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
WORD = re.compile(r"\w")
# Punctuation around a term ("model*", "(deep", "learning,"): PostgreSQL's parser leaves it out, so SQLite's
# substring match must too, or "model*" would find nothing there.
EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def parse_search_terms(text: str) -> tuple[list[str], list[str]]:
    """Split a web-style query into (wanted, excluded) terms: quoted phrases stay whole, ``-word`` excludes.

    Terms without a letter or digit (``---``, ``&|``, ``:*``) are dropped, as PostgreSQL's parser drops them,
    so both databases see the same terms; so are ``or``, control characters and quotes inside a word.
    """
    wanted, excluded = [], []
    for match in SEARCH_TERM.finditer(UNSEARCHABLE.sub(" ", text or "")):
        negated, term = (match[1], match[2]) if match[2] is not None else (match[3], match[4])
        term = EDGE_PUNCTUATION.sub("", " ".join(term.replace('"', " ").split()))
        if not WORD.search(term) or term.lower() == "or":
            continue
        (excluded if negated else wanted).append(term)
        if len(wanted) + len(excluded) == MAX_SEARCH_TERMS:
            break
    return wanted, excluded


def websearch_text(wanted: list[str], excluded: list[str]) -> str:
    """Terms written back as a query for websearch_to_tsquery, every one quoted.

    PostgreSQL's websearch parser fails on some inputs ("tsquery stack too small" after a run of ``-``);
    inside quotes its operators are plain punctuation, so the rebuilt query always parses.
    """
    return " ".join([*(f'"{term}"' for term in wanted), *(f'-"{term}"' for term in excluded)])


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def substring_headline(text: str, terms: list[str], *, context_words: int = 30, max_fragments: int = 3) -> str:
    """An excerpt of ``text`` around case-insensitive matches of ``terms``, matches wrapped in highlight marks.

    The fallback for databases without ts_headline; the result uses the same marks, so templates treat
    both alike. Without a match it returns the opening words.
    """
    words = without_highlight_marks(text).split()
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
