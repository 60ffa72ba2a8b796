"""How alike two titles are, for *likely* duplicates: records of one paper whose ids do not say so.

Pure functions over strings (no database), so the threshold measurement (benchmarks/duplicate_threshold.py) runs
them on real data exactly as the app does. papers/duplicates.py finds the candidate pairs with them.

Two ideas keep it fast and honest:

* **Blocking.** Only titles that share a *block* are compared: the first or the last ``BLOCK_LENGTH`` characters
  of the title key (papers/identity.py). A typo, a dropped "The", LaTeX in the first words or a cut subtitle
  changes one end of a title, rarely both; a database looks blocks up by index. A block of more than
  ``MAX_BLOCK_SIZE`` titles is ignored.
* **Scoring.** The Indel similarity (rapidfuzz ``fuzz.ratio``, 0–100) of the two titles written the same way:
  LaTeX commands and math dollars dropped, Greek letters named (``$\\alpha$`` and ``α`` are both "alpha"), accents,
  case and punctuation gone. A subtitle one side lacks, or that changed between a preprint and its published
  version, is forgiven when the main titles (before the first colon) are long enough to tell papers apart.
"""

import functools
import re
import unicodedata

from rapidfuzz import fuzz

from .identity import title_key

# Characters of the title key at either end that make a block; measured with the threshold (see the README):
# 12, 16, 20 and 24 keep 98.6, 98.6, 98.4 and 98.2% of the changed copies found, and longer blocks hold fewer
# unrelated titles.
BLOCK_LENGTH = 20
# A block holding more papers than this is too common to tell anything (and too costly to compare with).
MAX_BLOCK_SIZE = 25
# A likely duplicate scores at least this (0–100); benchmarks/duplicate_threshold.py measured it on SYNERGY.
LIKELY_THRESHOLD = 90.0
# Titles whose keys are shorter than this ("Abstracts", "Poster presentations", "Letter to the editor") are too
# generic for their likeness to mean anything.
MIN_KEY_LENGTH = 25
# The main title before a colon counts alone only if it is this long and this many words: "BERT" is not enough.
MIN_MAIN_LENGTH = 30
MIN_MAIN_WORDS = 4
# Preprint and publication are seldom more than this many years apart.
YEAR_WINDOW = 2

LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)\s*")
LATEX_ACCENT = re.compile(r"\\[`'^\"~=.]\s*")
GREEK_NAME = re.compile(r"^GREEK (?:SMALL|CAPITAL) LETTER ([A-Z]+)")
# Commands that only style their argument; their names are not words of the title.
STYLE_COMMANDS = frozenset({
    "emph", "textit", "textbf", "textsc", "texttt", "textrm", "textsf", "mathrm", "mathbf", "mathit", "mathcal",
    "mathbb", "mathsf", "text", "mbox", "it", "bf", "sc", "rm", "tt", "em", "small", "large",
})  # fmt: skip
# Greek capitals that look like Latin ones stand for them in real records ("Hemophilia Α" with a capital alpha).
LATIN_LOOKALIKES = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True))
# Numbers on both sides that the other lacks ("Antibodies to watch in 2017" and "… in 2018", "Part 1" and "Part 2")
# make different papers; a number one side adds (an abstract's "14", a phase in a subtitle) does not.
NUMBER = re.compile(r"\d+")
SUBTITLE = re.compile(r"\s*[:.?]\s+|\s+[-–—]\s+")


@functools.lru_cache(maxsize=65_536)
def match_text(title: str) -> str:
    """The title written so that its LaTeX, Unicode and plain forms agree: a title key (see identity.title_key)
    with LaTeX markup taken out and Greek letters spelled as their names."""
    if not title:
        return ""
    text = LATEX_ACCENT.sub("", title.replace("$", " "))
    text = LATEX_COMMAND.sub(lambda match: " " if match[1] in STYLE_COMMANDS else f" {match[1]} ", text)
    return title_key("".join(_greek_name(character) for character in text))


def _greek_name(character: str) -> str:
    if character in LATIN_LOOKALIKES:
        return LATIN_LOOKALIKES[character]
    if "\u0370" <= character <= "\u03ff" or character == "µ":
        found = GREEK_NAME.match(unicodedata.name(character, ""))
        if found:
            return f" {found[1].lower()} "
        if character == "µ":
            return " mu "
    return character


@functools.lru_cache(maxsize=65_536)
def main_title(title: str) -> str:
    """The match text of the title before its subtitle (the first ``: ``, ``. ``, ``? `` or spaced dash)."""
    return match_text(SUBTITLE.split(title.strip(), maxsplit=1)[0])


def block_keys(key: str) -> tuple[str, str]:
    """The two blocks a title key falls in: its first and its last ``BLOCK_LENGTH`` characters."""
    return key[:BLOCK_LENGTH], key[-BLOCK_LENGTH:]


def title_similarity(first: str, second: str) -> float:
    """How alike two titles are, 0–100 (see the module's rules); 0 when either is too short to judge."""
    a, b = match_text(first), match_text(second)
    if len(a) < MIN_KEY_LENGTH or len(b) < MIN_KEY_LENGTH:
        return 0.0
    numbers_a, numbers_b = set(NUMBER.findall(a)), set(NUMBER.findall(b))
    if numbers_a - numbers_b and numbers_b - numbers_a:
        return 0.0
    score = fuzz.ratio(a, b)
    main_a, main_b = main_title(first), main_title(second)
    if (main_a != a or main_b != b) and _distinctive(main_a) and _distinctive(main_b):
        # The subtitle was cut or changed: compare the main titles, a little below an equal full title.
        score = max(score, fuzz.ratio(main_a, main_b) - 1)
    return round(score, 1)


def _distinctive(main: str) -> bool:
    return len(main) >= MIN_MAIN_LENGTH and len(main.split()) >= MIN_MAIN_WORDS


def years_close(first: int | None, second: int | None) -> bool:
    """Whether two publication years allow one paper (either unknown allows it)."""
    return first is None or second is None or abs(first - second) <= YEAR_WINDOW
