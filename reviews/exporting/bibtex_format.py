"""BibTeX, for Zotero, JabRef and LaTeX: ``@article`` when the paper has a venue, else ``@misc``.

Text is UTF-8 with LaTeX's special characters escaped (``\\%``, ``\\&``, ``\\{``, ``\\textbackslash{}``…) and
LaTeX's ligatures broken (``-{}-``, ``\\`{}\\```), so a LaTeX decoder — Zotero's, or bibtexparser's
LatexDecodingMiddleware — reads back exactly the text we hold. The team's work goes in ``keywords`` (the tags
and ``marginalia:<final decision>``) and ``note`` (decisions, reasons, scores and comments in words).
"""

import re
import unicodedata
from collections.abc import Iterator

from .rows import Export, ExportRow
from .words import extra_keywords, keywords, note_lines, paper_month

EXTENSION = "bib"
CONTENT_TYPE = "application/x-bibtex; charset=utf-8"
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
# Pairs TeX turns into one character (en dash, quotes, inverted marks, guillemets); an empty group keeps them two.
# The escapes above hold none of these characters, so the pairs are found after escaping.
LIGATURES = ("--", "``", "''", "?`", "!`", "<<", ">>", ",,")
LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)|(?<=<)(?=<)|(?<=>)(?=>)|(?<=,)(?=,)")
SPECIAL = re.compile(r"[\\{}%&#$_^~]")
# Title words a citation key skips.
SMALL_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "from", "by", "at"})
# Characters a URL keeps raw in BibTeX, where ``url`` is read verbatim; others are percent-encoded.
URL_UNSAFE = re.compile(r"[{}\\\s%]")


def latex_escape(text: str) -> str:
    # Most text has no special character and no ligature: the substring checks run at C speed, the regexes only
    # where there is something to do.
    if SPECIAL.search(text):
        text = SPECIAL.sub(lambda match: SPECIALS[match.group()], text)
    if any(pair in text for pair in LIGATURES):
        text = LIGATURE.sub("{}", text)
    return text


def _url(text: str) -> str:
    # A literal % would start a TeX comment; %XX escapes are kept, a bare % and braces are encoded.
    return URL_UNSAFE.sub(
        lambda match: (
            match.group(0)
            if match.group(0) == "%" and re.match(r"%[0-9A-Fa-f]{2}", text[match.start() :])
            else "".join(f"%{byte:02X}" for byte in match.group(0).encode())
        ),
        text,
    )


def _name(name: str) -> str:
    """One author for ``author``: braced whole when it holds a comma or the word "and", which BibTeX would
    otherwise read as name parts or a second author."""
    escaped = latex_escape(name)
    if "," in name or re.search(r"\band\b", name, re.IGNORECASE):
        return "{" + escaped + "}"
    return escaped


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded)


class CitationKeys:
    """Keys like ``smith2020attention``: first author's last name, year, first significant title word; a second
    paper with the same key gets ``a``, ``b``… in file order, so exporting twice gives the same keys."""

    def __init__(self):
        self.taken: dict[str, int] = {}

    def key(self, paper) -> str:
        author = paper.authors[0] if paper.authors else ""
        last = author.split(",")[0] if "," in author else (author.split() or [""])[-1]
        words = (_ascii_word(word).lower() for word in paper.title.split())
        word = next((word for word in words if word and word not in SMALL_WORDS), "")
        year = paper.published_year or ""
        if last := _ascii_word(last).lower():
            base = f"{last}{year}{word}"
        elif word:  # no author: the title's word first (nobody2021)
            base = f"{word}{year}"
        else:  # nothing to make a name of: the paper's own id (arxiv230506500, doi1011453, paper5)
            base = f"{'arxiv' if paper.arxiv_id else ''}{_ascii_word(paper.short_id).lower()}"
        count = self.taken.get(base, 0)
        self.taken[base] = count + 1
        return base if count == 0 else f"{base}{_suffix(count)}"


def _suffix(count: int) -> str:
    letters = ""
    while count:
        count, remainder = divmod(count - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def entry(row: ExportRow, key: str) -> str:
    paper = row.paper
    fields = [("title", latex_escape(paper.title))] if paper.title else []
    if paper.authors:
        fields.append(("author", " and ".join(_name(name) for name in paper.authors)))
    if paper.abstract:
        fields.append(("abstract", latex_escape(paper.abstract)))
    if year := paper.published_year:
        fields.append(("year", str(year)))
    month = paper_month(paper)
    if paper.venue:
        fields.append(("journal", latex_escape(paper.venue)))
    if paper.doi:
        fields.append(("doi", latex_escape(paper.doi)))
    if url := paper.source_url:
        fields.append(("url", _url(url)))
    if paper.arxiv_id:
        fields += [("eprint", paper.versioned_id), ("archiveprefix", "arXiv")]
        if paper.primary_category:
            fields.append(("primaryclass", latex_escape(paper.primary_category)))
    if paper.pmid:
        fields.append(("pmid", paper.pmid))
    words = extra_keywords(paper) + keywords(row)
    if words:
        fields.append(("keywords", ", ".join(latex_escape(word) for word in words)))
    fields.append(("note", latex_escape("\n".join(note_lines(row)))))
    lines = [f"@{'article' if paper.venue else 'misc'}{{{key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields]
    if month:
        lines.append(f"  month = {MONTHS[month - 1]},")
    lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines) + "\n}\n\n"


def write(export: Export) -> Iterator[str]:
    """The file, one piece per chunk of papers; an empty export is an empty (valid) file."""
    keys = CitationKeys()
    for chunk in export.chunks():
        yield "".join(entry(row, keys.key(row.paper)) for row in chunk)
