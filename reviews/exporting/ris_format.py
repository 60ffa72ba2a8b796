"""RIS, for Zotero, EndNote, Rayyan and ASReview: one record per paper, ``TY`` to ``ER``.

RIS is one line per field: a line break inside a value is written as a space (a reader such as rispy would
otherwise take the next line for a continuation, or a line like ``ER  -`` for the end of the record), and values
are trimmed. The team's work goes in ``KW`` (each tag, and ``marginalia:<final decision>``) and ``N1`` (one note
per line of decisions and comments, plus ASReview's own label note ``ASReview_relevant``/``ASReview_irrelevant``
for an include/exclude, which ASReview LAB reads as the record's label).
"""

from collections.abc import Iterator

from .rows import Export, ExportRow
from .words import extra_keywords, keywords, note_lines, paper_month

EXTENSION = "ris"
CONTENT_TYPE = "application/x-research-info-systems; charset=utf-8"
ASREVIEW_LABELS = {"include": "ASReview_relevant", "exclude": "ASReview_irrelevant"}


def one_line(value) -> str:
    """A value as RIS holds it: line breaks as spaces, trimmed."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def ris_author(name: str) -> str:
    """``Last, First`` (RIS's form) from ``First Last``; a name with a comma or of one word stays as written."""
    name = one_line(name)
    if "," in name or " " not in name:
        return name
    first, last = name.rsplit(" ", 1)
    return f"{last}, {first}"


def record(row: ExportRow) -> str:
    paper = row.paper
    fields = [("TY", "JOUR" if paper.venue else "GEN"), ("TI", paper.title)]
    fields += [("AU", ris_author(name)) for name in paper.authors]
    fields.append(("AB", paper.abstract))
    if year := paper.published_year:
        month = paper_month(paper)
        fields.append(("PY", str(year)))
        fields.append(("DA", f"{year:04d}/{month:02d}//" if month else f"{year:04d}///"))
    if paper.venue:
        fields += [("JO", paper.venue), ("T2", paper.venue)]
    fields += [("DO", paper.doi), ("UR", paper.source_url), ("AN", paper.pmid)]
    fields += [("KW", word) for word in extra_keywords(paper) + keywords(row)]
    fields += [("N1", line) for line in note_lines(row)]
    if label := ASREVIEW_LABELS.get(row.final_decision or ""):
        fields.append(("N1", label))
    lines = [f"{tag}  - {one_line(value)}" for tag, value in fields if one_line(value)]
    return "\n".join(lines) + "\nER  - \n\n"


def write(export: Export) -> Iterator[str]:
    """The file, one piece per chunk of papers; an empty export is an empty (valid) file."""
    for chunk in export.chunks():
        yield "".join(record(row) for row in chunk)
