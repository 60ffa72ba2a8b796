"""What makes two records the same paper: identifiers in their normal form, and a title key for records without.

A paper is known by the best id it has: its arXiv id, else its DOI, else its PubMed id, else its title, year and
first author. Records are matched to papers in that order of trust (papers/importers/matching.py).
"""

import re
import unicodedata

# "https://doi.org/10.1/x", "http://dx.doi.org/10.1/x", "doi:10.1/x", "DOI 10.1/x" all name 10.1/x.
DOI_PREFIX = re.compile(r"^\s*(?:(?:https?://)?(?:dx\.)?doi\.org/|doi\s*:?\s*)", re.IGNORECASE)
DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_SHAPE = re.compile(r"^0*\d{1,9}$")
PMID_PREFIX = re.compile(
    r"^\s*(?:pmid\s*:?\s*|https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/)", re.I
)
# Longer titles are still the same key: the first 200 characters of a normalised title tell papers apart.
TITLE_KEY_LENGTH = 200
NOT_WORD = re.compile(r"[\W_]+")
# Dropped, not turned into spaces: LaTeX's case-protecting braces ({B}ERT) and apostrophes (Alzheimer's).
SILENT = str.maketrans("", "", "{}'’")


def normalize_doi(value: str) -> str:
    """The DOI in its comparable form (bare, lower case), or ``""`` when ``value`` is not a DOI.

    DOIs are case-insensitive by definition, so the lower-case form is the DOI itself, not a lossy key.
    """
    doi = DOI_PREFIX.sub("", value or "").strip().rstrip(".").lower()
    return doi if DOI_SHAPE.match(doi) else ""


def normalize_pmid(value) -> str:
    """A PubMed id as digits without leading zeros, or ``""``."""
    pmid = PMID_PREFIX.sub("", str(value or "")).strip().rstrip("/")
    return str(int(pmid)) if PMID_SHAPE.match(pmid) and int(pmid) else ""


def title_key(title: str) -> str:
    """Lower-case words of the title without accents, punctuation or LaTeX braces, joined by single spaces."""
    if not title:
        return ""
    plain = title
    if not title.isascii():
        decomposed = unicodedata.normalize("NFKD", title)
        plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    return " ".join(NOT_WORD.sub(" ", plain.translate(SILENT).casefold()).split())[:TITLE_KEY_LENGTH]


def first_author_key(authors: list[str]) -> str:
    """The first author's family name, normalised (``"Vaswani, Ashish"`` and ``"Ashish Vaswani"`` agree)."""
    if not authors:
        return ""
    name = authors[0]
    family = name.split(",")[0] if "," in name else (name.split() or [""])[-1]
    return title_key(family)
