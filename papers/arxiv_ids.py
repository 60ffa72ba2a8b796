"""arXiv identifiers: recognising, validating and normalising them.

New-style ids are ``YYMM.NNNN`` (April 2007 to December 2014) or ``YYMM.NNNNN`` (from January 2015),
old-style ids are ``archive[.SUBJ]/YYMMNNN`` (1991 to March 2007). Either may carry a ``vN`` suffix.
"""

import datetime
import re
from dataclasses import dataclass

NEW_STYLE = re.compile(r"(?P<yymm>\d{4})\.(?P<number>\d{4,5})(?:v(?P<version>\d+))?")
# Archive names are short (hep-th, cond-mat, solv-int, math.GT); the bound keeps nonsense out of the key.
OLD_STYLE = re.compile(
    r"(?P<archive>[a-z]{1,8}(?:-[a-z]{1,8})?)(?:\.(?P<subject>[A-Z]{2}))?/(?P<yymm>\d{4})(?P<number>\d{3})"
    r"(?:v(?P<version>\d+))?"
)
# Loose shapes: a line or field that looks like it means to be an id, so a malformed one is reported
# instead of being mistaken for text.
LOOKS_LIKE_NEW_STYLE = re.compile(r"\d{3,5}\.\d{3,6}(?:v\d*)?")
LOOKS_LIKE_OLD_STYLE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z]{2})?/\d{5,9}(?:v\d*)?")
# Where ids hide inside URLs, DOIs and notes: arxiv.org/abs/ID, arxiv.org/pdf/ID(.pdf), 10.48550/arXiv.ID, arXiv:ID
EMBEDDED = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|arxiv:\s*)"
    r"(?P<id>[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?|\d{4}\.\d{4,5}(?:v\d+)?)",
    re.IGNORECASE,
)
# The largest version Paper.version (a PositiveSmallIntegerField) holds on PostgreSQL. SQLite would store more,
# but both databases must accept the same files; arXiv's most revised papers are in the dozens.
MAX_VERSION = 32767
# Ids quoted in error messages are cut here: a malformed "id" can be a whole line of a file.
SHOWN_ID_LENGTH = 60


class InvalidArxivId(ValueError):
    pass


@dataclass(frozen=True)
class ArxivId:
    """A validated arXiv id: ``canonical`` has no version; ``version`` is the vN number or None."""

    canonical: str
    version: int | None

    @property
    def submitted_month(self) -> datetime.date:
        """First day of the month of first submission, read from the id's YYMM."""
        yymm = self.canonical.split("/")[-1][:4] if "/" in self.canonical else self.canonical[:4]
        year, month = int(yymm[:2]), int(yymm[2:])
        # Old-style ids began in 1991; new-style ones in 2007, so 91-99 are the 1900s.
        return datetime.date(1900 + year if year >= 91 else 2000 + year, month, 1)

    def __str__(self) -> str:
        return self.canonical if self.version is None else f"{self.canonical}v{self.version}"


def _check_month(yymm: str, text: str) -> None:
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        raise InvalidArxivId(f"malformed arXiv id {_shown(text)}: month {yymm[2:]} does not exist")


def parse_arxiv_id(text: str) -> ArxivId:
    """Validate ``text`` as a bare arXiv id (an ``arXiv:`` prefix is allowed) and split off its version.

    Raises InvalidArxivId with a reason a curator can act on.
    """
    candidate = text.strip()
    if candidate.lower().startswith("arxiv:"):
        candidate = candidate[6:].strip()
    if match := NEW_STYLE.fullmatch(candidate):
        yymm, number = match["yymm"], match["number"]
        _check_month(yymm, text)
        five_digit_era = int(yymm) >= 1501
        if five_digit_era and len(number) != 5:
            raise InvalidArxivId(f"malformed arXiv id {_shown(text)}: ids from 2015 on have five digits after the dot")
        if not five_digit_era and len(number) != 4:
            raise InvalidArxivId(f"malformed arXiv id {_shown(text)}: ids before 2015 have four digits after the dot")
        if int(yymm) < 704:
            raise InvalidArxivId(f"malformed arXiv id {_shown(text)}: new-style ids start in April 2007 (0704)")
        canonical = f"{yymm}.{number}"
    elif match := OLD_STYLE.fullmatch(candidate):
        yymm = match["yymm"]
        _check_month(yymm, text)
        year = int(yymm[:2])
        if not (year >= 91 or int(yymm) <= 703):
            raise InvalidArxivId(f"malformed arXiv id {_shown(text)}: old-style ids run from 1991 to March 2007")
        canonical = candidate[: match.end("number")]
    else:
        raise InvalidArxivId(f"malformed arXiv id {_shown(text)}")
    return ArxivId(canonical, _version(match["version"], text))


def _version(digits: str | None, text: str) -> int | None:
    if not digits:
        return None
    # Checked before int(), which refuses more than 4,300 digits with an error of its own.
    if len(digits.lstrip("0")) > len(str(MAX_VERSION)) or int(digits) > MAX_VERSION:
        raise InvalidArxivId(
            f"malformed arXiv id {_shown(text)}: version {_shortened(digits)} is too large (at most {MAX_VERSION})"
        )
    if int(digits) == 0:
        raise InvalidArxivId(f"malformed arXiv id {_shown(text)}: versions start at v1")
    return int(digits)


def _shortened(text: str) -> str:
    return text if len(text) <= SHOWN_ID_LENGTH else f"{text[: SHOWN_ID_LENGTH - 1]}…"


def _shown(text: str) -> str:
    return repr(_shortened(text))


def looks_like_arxiv_id(text: str) -> bool:
    """True for a token shaped like an id, valid or not (used to spot malformed ids in line-based dumps)."""
    candidate = text.strip()
    return bool(LOOKS_LIKE_NEW_STYLE.fullmatch(candidate) or LOOKS_LIKE_OLD_STYLE.fullmatch(candidate))


def find_arxiv_id(text: str) -> str | None:
    """The first arXiv id embedded in a URL, DOI or note (``https://arxiv.org/abs/2201.11903v2``), unvalidated."""
    if match := EMBEDDED.search(text or ""):
        return match["id"]
    return None
