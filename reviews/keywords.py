"""A review's inclusion and exclusion keywords, found in titles and abstracts to highlight them.

Matching is case-insensitive and by word prefix: a keyword matches where a word starts and may go on with more
letters, so ``random`` marks "Randomised" and "randomized" but not "pseudorandom"; a phrase (``large language``)
matches across any spacing. Where an inclusion and an exclusion keyword overlap, the longer match wins.
"""

import re
from dataclasses import dataclass

MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 100

INCLUDE = "include"
EXCLUDE = "exclude"


def parse_keywords(text: str) -> list[str]:
    """The keywords of a settings box: one a line (commas also separate), stripped, duplicates dropped."""
    seen, keywords = set(), []
    for part in re.split(r"[\n,]", text or ""):
        keyword = " ".join(part.split())
        if keyword and keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    return keywords


def _pattern(keywords: list[str]) -> re.Pattern | None:
    if not keywords:
        return None
    # Longest first, so "language model" is preferred to "language" where both start.
    alternatives = sorted((r"\s+".join(map(re.escape, k.split())) for k in keywords), key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})\w*", re.IGNORECASE)


@dataclass(frozen=True)
class ReviewKeywords:
    include: re.Pattern | None
    exclude: re.Pattern | None

    @classmethod
    def of(cls, review) -> "ReviewKeywords":
        return cls(
            _pattern(parse_keywords(review.inclusion_keywords)), _pattern(parse_keywords(review.exclusion_keywords))
        )

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, INCLUDE or EXCLUDE) in text order."""
        found = [
            (match.start(), match.end(), kind)
            for pattern, kind in ((self.include, INCLUDE), (self.exclude, EXCLUDE))
            if pattern and text
            for match in pattern.finditer(text)
        ]
        found.sort(key=lambda m: (m[0], m[0] - m[1]))
        kept, last_end = [], 0
        for start, end, kind in found:
            if start >= last_end and end > start:
                kept.append((start, end, kind))
                last_end = end
        return kept
