"""Reading ASReview's and Rayyan's labelled exports (RIS or CSV): each record, and what the reviewer made of it.

ASReview writes its label in an ``asreview_label`` column (1 relevant, 0 irrelevant, empty not seen; older files
and datasets say ``included`` or ``label_included``) and its notes in ``asreview_note``; its RIS export puts
``ASReview_relevant`` / ``ASReview_irrelevant`` / ``ASReview_not_seen`` in an ``N1`` note. Rayyan keeps everything
in the notes (RIS ``N1``, CSV ``notes``)::

    RAYYAN-INCLUSION: {"Alice"=>"Included", "Bob"=>"Excluded"} | RAYYAN-LABELS: RCT,Adults |
    RAYYAN-EXCLUSION-REASONS: wrong population | USER-NOTES: {"Alice"=>["check the dose"]}
"""

import csv
import io
import re
from dataclasses import dataclass, field

import rispy

from papers.arxiv_ids import InvalidArxivId, find_arxiv_id, parse_arxiv_id
from papers.identity import normalize_doi, normalize_pmid
from papers.importers.records import ImportProblem, PaperRecord
from papers.importers.rows import shown_header

from ..models import DecisionChoice
from ..ris_records import RIS_TAG, split_ris
from . import ImportRefused

ASREVIEW_NOTE = re.compile(r"\bASReview_\w+\b")
ASREVIEW_LABELS = {"ASReview_relevant": "1", "ASReview_irrelevant": "0", "ASReview_not_seen": ""}
ASREVIEW_DECISIONS = {"1": DecisionChoice.INCLUDE, "0": DecisionChoice.EXCLUDE, "": "", "-1": ""}
# ASReview writes asreview_label; its datasets and older versions name the column these ways (its "Data format" docs).
ASREVIEW_LABEL_COLUMNS = ("asreview_label", "included", "label_included", "label", "final_included", "included_final")
RAYYAN_SECTION = re.compile(r"(?:^|\s*\|\s*)(RAYYAN-[A-Z-]+|USER-NOTES):\s*")
RAYYAN_DECISIONS = {"included": DecisionChoice.INCLUDE, "excluded": DecisionChoice.EXCLUDE, "maybe": "maybe"}
RAYYAN_UNDECIDED = {"undecided", ""}
QUOTED_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*"((?:[^"\\]|\\.)*)"')
QUOTED_LIST = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*\[([^\]]*)\]')
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
REASON_MAX_LENGTH = 120
MAX_PROBLEMS = 50
CSV_COLUMNS = {
    "title": ("title", "primary_title", "ti"),
    "abstract": ("abstract", "ab", "abstract note", "abstract_note"),
    "authors": ("authors", "author", "au"),
    "year": ("year", "publication_year", "py", "publication year"),
    "doi": ("doi", "do"),
    "pmid": ("pmid", "pubmed_id", "pubmed id"),
    "url": ("url", "urls", "ur"),
    "venue": ("journal", "venue", "secondary_title", "journal_name", "source title", "publication title"),
    "keywords": ("keywords", "kw", "author keywords"),
    "arxiv_id": ("arxiv_id", "arxiv id", "eprint"),
}
EXTRA_COLUMNS = ("volume", "issue", "pages", "issn", "publisher", "language")


@dataclass(slots=True)
class LabelledRecord:
    """A record of the export and what the reviewer made of it."""

    record: PaperRecord
    decision: str = ""
    reasons: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.record.line


def export_format(data: bytes) -> str:
    """``ris`` or ``csv``: how an export is written, told by its first line (as the batch records it)."""
    first = next((line for line in data[:10_000].split(b"\n") if line.strip()), b"")
    return "ris" if RIS_TAG.match(first.decode("utf-8", "replace").lstrip("\ufeff").strip("\r")) else "csv"


def read_export(source: str, name: str, data: bytes, reviewer: str | None = None) -> list[LabelledRecord]:
    """The labelled records of an ASReview or Rayyan export (RIS or CSV, recognised by its first line)."""
    problems: list[ImportProblem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Both tools' older exports can be Latin-1, which decodes any byte.
        text = data.decode("latin-1")
    first = next((line for line in text.split("\n") if line.strip()), "")
    read_rows = _ris_rows if RIS_TAG.match(first.strip("\r")) else _csv_rows
    rows = read_rows(name, text, problems)
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    if not rows:
        raise ImportRefused([ImportProblem(name, 1, "no records in the file")])
    if source == "rayyan":
        reviewer = _rayyan_reviewer(name, rows, reviewer)
    records = []
    for line, fields in rows:
        try:
            record = _record(fields, line)
            if source == "asreview":
                labelled = _asreview_labels(fields, record)
            else:
                labelled = _rayyan_labels(fields, record, reviewer)
        except ValueError as error:
            problems.append(ImportProblem(name, line, str(error)))
            continue
        records.append(labelled)
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    return records


def _ris_rows(name: str, text: str, problems: list) -> list[tuple[int, dict]]:
    """Each RIS reference as rispy reads it, with its TY line's number; ``notes`` always a list."""
    records, found = split_ris(text)
    problems.extend(ImportProblem(name, line, reason) for line, reason in found)
    rows = []
    for record in records:
        try:
            (reference,) = rispy.loads(record.text, skip_unknown_tags=True)
        except Exception as error:  # rispy raises bare exceptions of several kinds on malformed input
            problems.append(ImportProblem(name, record.line, f"unparseable RIS reference: {error}"))
        else:
            rows.append((record.line, reference))
    return rows


def _csv_rows(name: str, text: str, problems: list) -> list[tuple[int, dict]]:
    """Each CSV row as {lower-case column: cell}, with the line it starts on."""
    sample = text[:10_000]
    delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
    if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(delimiter):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, header, read = [], None, 0
    while True:
        start = read + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(ImportProblem(name, start, f"broken CSV: {error}"))
            return rows
        read = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if not {"title", "abstract"} & set(header) and not {"primary_title", "ti"} & set(header):
                problem = f"no title or abstract column (header: {shown_header(row)})"
                problems.append(ImportProblem(name, start, problem))
                return rows
            continue
        if len(row) > len(header):
            problems.append(ImportProblem(name, start, f"row has {len(row)} cells, the header {len(header)}"))
            continue
        rows.append((start, dict(zip(header, row, strict=False))))
    return rows


def _cell(fields: dict, name: str) -> str:
    for column in CSV_COLUMNS.get(name, (name,)):
        value = fields.get(column)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _record(fields: dict, line: int) -> PaperRecord:
    """The bibliographic record of a RIS reference or CSV row."""
    authors = fields.get("authors") or fields.get("first_authors")
    if not isinstance(authors, list):
        text = _cell(fields, "authors")
        authors = re.split(r"\s*;\s*|\s+and\s+", text) if text else []
    authors = [_first_name_first(author) for author in authors if author.strip()]
    year_text = _cell(fields, "year") or str(fields.get("publication_year") or "")
    year = int(match[0]) if (match := re.search(r"\b(\d{4})\b", year_text)) else None
    raw_doi = _cell(fields, "doi")
    pmid = normalize_pmid(_cell(fields, "pmid"))
    accession = str(fields.get("accession_number") or "")
    if not pmid and accession.isdigit():
        pmid = normalize_pmid(accession)
    urls = fields.get("urls")
    url = (urls[0] if isinstance(urls, list) and urls else _cell(fields, "url")).strip()
    if not url.lower().startswith(("http://", "https://")):
        url = ""
    keywords = fields.get("keywords")
    if not isinstance(keywords, list):
        text = _cell(fields, "keywords")
        keywords = [word.strip() for word in re.split(r"[;,]", text) if word.strip()] if text else []
    extra = {"keywords": keywords} if keywords else {}
    for name in EXTRA_COLUMNS:
        ris_name = {"issue": "number", "pages": "start_page"}.get(name, name)
        value = fields.get(name) or fields.get(ris_name)
        if isinstance(value, str) and value.strip():
            extra[name] = value.strip()
    venue = _cell(fields, "venue") or str(fields.get("secondary_title") or fields.get("alternate_title1") or "")
    arxiv_id = _arxiv_id(_cell(fields, "arxiv_id"), url, raw_doi)
    return PaperRecord(
        arxiv_id=arxiv_id.canonical if arxiv_id else "",
        version=arxiv_id.version if arxiv_id else None,
        line=line,
        title=" ".join(_cell(fields, "title").split()),
        abstract=_cell(fields, "abstract") or str(fields.get("notes_abstract") or "").strip(),
        authors=authors,
        doi=normalize_doi(raw_doi) or "",
        pmid=pmid,
        url=url[:500],
        venue=" ".join(venue.split())[:500],
        year=year if year and 1 <= year <= 9999 else None,
        extra=extra,
    )


def _arxiv_id(column: str, *texts: str):
    """The arXiv id an id column, URL or DOI (10.48550/arXiv.…) names, if any: the paper may be in the corpus."""
    candidates = [column, *(find_arxiv_id(text) for text in texts if text)]
    for candidate in candidates:
        if candidate:
            try:
                return parse_arxiv_id(candidate)
            except InvalidArxivId:
                continue
    return None


def _first_name_first(name: str) -> str:
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 2 and all(parts):
        return " ".join(f"{parts[1]} {parts[0]}".split())
    return " ".join(name.split())


def _notes(fields: dict) -> list[str]:
    notes = fields.get("notes")
    if isinstance(notes, list):
        return [note for note in notes if isinstance(note, str) and note.strip()]
    return [notes] if isinstance(notes, str) and notes.strip() else []


def _asreview_labels(fields: dict, record: PaperRecord) -> LabelledRecord:
    labelled = LabelledRecord(record)
    found = [label for label in ASREVIEW_NOTE.findall(" ".join(_notes(fields))) if label in ASREVIEW_LABELS]
    if len(set(found)) > 1:
        raise ValueError(f"the notes give {' and '.join(sorted(set(found)))}: one label a record")
    if found:
        label = ASREVIEW_LABELS[found[0]]
    else:
        column = next((name for name in ASREVIEW_LABEL_COLUMNS if name in fields), None)
        label = str(fields.get(column) or "").strip() if column else ""
        if label.endswith(".0"):  # a spreadsheet's 1.0
            label = label[:-2]
        if label not in ASREVIEW_DECISIONS:
            raise ValueError(f"{column} {label[:40]!r} is not a label ASReview writes (1, 0 or empty)")
    labelled.decision = ASREVIEW_DECISIONS[label]
    free = [" ".join(ASREVIEW_NOTE.sub("", note).split()) for note in _notes(fields)]
    labelled.notes = [note for note in free if note]
    if note := str(fields.get("asreview_note") or "").strip():
        labelled.notes.append(note)
    return labelled


def _rayyan_sections(notes: list[str]) -> tuple[dict[str, str], list[str]]:
    """A Rayyan note split into its sections (``RAYYAN-INCLUSION`` → text …) and any free text."""
    sections: dict[str, str] = {}
    free = []
    for note in notes:
        matches = list(RAYYAN_SECTION.finditer(note))
        head = note[: matches[0].start()] if matches else note
        if head.strip(" |"):
            free.append(head.strip(" |"))
        for number, match in enumerate(matches):
            end = matches[number + 1].start() if number + 1 < len(matches) else len(note)
            sections[match[1]] = (sections.get(match[1], "") + " " + note[match.end() : end]).strip()
    return sections, free


def _rayyan_names(fields: dict) -> set[str]:
    sections, _ = _rayyan_sections(_notes(fields))
    return {name for name, _ in QUOTED_PAIR.findall(sections.get("RAYYAN-INCLUSION", ""))}


def _rayyan_reviewer(name: str, rows: list[tuple[int, dict]], reviewer: str | None) -> str | None:
    """Whose decisions to take: ``reviewer`` if given, else the only reviewer the file names."""
    names = set()
    for _, fields in rows:
        names |= _rayyan_names(fields)
    if reviewer is not None:
        if names and reviewer not in names:
            raise ImportRefused([f"{name}: no decisions by {reviewer!r}; the file has {', '.join(sorted(names))}"])
        return reviewer
    if len(names) > 1:
        raise ImportRefused(
            [
                f"{name}: the file holds the decisions of {', '.join(sorted(names))}; choose whose with "
                "--reviewer NAME (and import each into their own account with --as)"
            ]
        )
    return next(iter(names), None)


def _rayyan_labels(fields: dict, record: PaperRecord, reviewer: str | None) -> LabelledRecord:
    labelled = LabelledRecord(record)
    sections, free = _rayyan_sections(_notes(fields))
    inclusion = sections.get("RAYYAN-INCLUSION", "")
    if inclusion and not (inclusion.startswith("{") and inclusion.endswith("}")):
        raise ValueError(f'RAYYAN-INCLUSION {inclusion[:60]!r} is not a list of {{"name"=>"decision"}}')
    votes = dict(QUOTED_PAIR.findall(inclusion))
    if inclusion.strip("{} ") and not votes:
        raise ValueError(f"RAYYAN-INCLUSION {inclusion[:60]!r} names no decision")
    vote = votes.get(reviewer, "") if reviewer else ""
    if vote.strip().lower() in RAYYAN_UNDECIDED:
        labelled.decision = ""
    elif vote.strip().lower() in RAYYAN_DECISIONS:
        labelled.decision = RAYYAN_DECISIONS[vote.strip().lower()]
    else:
        raise ValueError(f"RAYYAN-INCLUSION: {vote[:40]!r} is not a Rayyan decision (Included, Excluded, Maybe)")
    labelled.tags = _comma_list(sections.get("RAYYAN-LABELS", ""))
    reasons = _comma_list(sections.get("RAYYAN-EXCLUSION-REASONS", ""))
    if any(len(reason) > REASON_MAX_LENGTH for reason in reasons):
        raise ValueError(f"an exclusion reason is longer than {REASON_MAX_LENGTH} characters")
    labelled.reasons = reasons if labelled.decision == DecisionChoice.EXCLUDE else []
    for name, listed in QUOTED_LIST.findall(sections.get("USER-NOTES", "")):
        if reviewer is None or name == reviewer:
            labelled.notes += [_unescape(note) for note in QUOTED.findall(listed) if note.strip()]
    labelled.notes += free
    return labelled


def _comma_list(text: str) -> list[str]:
    items = []
    for item in text.split(","):
        if (item := " ".join(item.split())) and item not in items:
            items.append(item)
    return items


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
