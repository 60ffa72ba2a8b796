"""Reading a labelled screening dataset: records, each with the final include (1) / exclude (0) decision, as
SYNERGY and ASReview's simulations use. Either a CSV table with a label column, or a RIS file with a label tag.

CSV column names are matched as the importer matches them (papers/importers/rows.py): stripped, in any case, with
the same names for the title, the abstract and the record id. A RIS record's label is the tag the caller names
(``LB``, a custom tag, or ``N1``, where ASReview's RIS export writes ``ASReview_relevant`` / ``ASReview_irrelevant``),
its id the ``ID`` tag. Any problem is a ``LabelledFileError`` naming the file and line (for a RIS record, the line
of its ``TY``), so the command can print ``FILE:LINE: reason`` and stop before simulating anything.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import rispy

from papers.importers.rows import COLUMNS

from ..ris_records import RIS_TAG, RisRecord, split_ris
from .features import record_text

ID_COLUMNS = (*COLUMNS["record_id"], "id")
# A CSV field longer than this is not an abstract but a broken quote swallowing the rest of the file.
MAX_FIELD = 1_000_000
# A RIS tag line, EndNote's "12." before it allowed (reviews/importing/screening_files.py reads them the same way).
TWO_CHARACTER_TAG = re.compile(r"[A-Za-z][A-Za-z0-9]")
# The tag of each rispy field name, so --label-column label means LB and custom1 means C1.
RIS_FIELD_TAGS = {name: tag for tag, name in rispy.TAG_KEY_MAPPING.items()}
# ASReview's label column names: its RIS reader fills them from the N1 notes.
ASREVIEW_LABEL_NAMES = ("asreview_label", "included", "label_included")
ASREVIEW_NOTE = re.compile(r"\bASReview_\w+\b")
ASREVIEW_LABELS = {"ASReview_relevant": 1, "ASReview_irrelevant": 0}
# The papers importer's title tags (papers/importers/ris.py) beyond rispy's TI and T1.
MORE_TITLE_TAGS = ("CT", "BT")


class LabelledFileError(Exception):
    def __init__(self, path, line: int, reason: str):
        # Line 0: the file as a whole (it cannot be read), so no line is named.
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True)
class LabelledDataset:
    """The records of a labelled file in file order: their ids, texts and labels, as parallel lists."""

    record_ids: list[str]
    titles: list[str]
    abstracts: list[str]
    labels: list[int]
    # True when the ids are the file's own id column, False when they are row numbers (1 = first record).
    own_ids: bool

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def texts(self) -> list[str]:
        """What each record is ranked by: its title and abstract."""
        return [record_text(title, abstract) for title, abstract in zip(self.titles, self.abstracts, strict=True)]


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LabelledFileError(path, line, f"not UTF-8 text (byte 0x{data[error.start]:02x})") from None


def _find_column(header: list[str], names) -> int | None:
    wanted = [name.strip().lower() for name in names]
    for name in wanted:
        for position, column in enumerate(header):
            if column == name:
                return position
    return None


def read_labelled_file(path, label_column: str) -> LabelledDataset:
    """The records of the CSV or RIS file at ``path`` with their labels from ``label_column`` (a column or a tag).

    A ``.ris`` file is RIS and a ``.csv`` file CSV; any other (``.txt``, as ASReview also reads RIS) is RIS when
    its first line that is not blank is a RIS tag line, else CSV."""
    path = Path(path)
    text = _read_text(path)
    if is_ris(path, text):
        return _ris_dataset(path, text, label_column)
    return _csv_dataset(path, text, label_column)


def is_ris(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".ris", ".csv"):
        return suffix == ".ris"
    first = text[:10_000].lstrip().split("\n", 1)[0].removesuffix("\r")
    return RIS_TAG.match(first) is not None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LabelledFileError(path, 0, f"cannot read the file ({error.strerror or error})") from None
    text = _decode(path, data)
    if "\x00" in text:
        raise LabelledFileError(path, text[: text.index("\x00")].count("\n") + 1, "not a text file (a NUL byte)")
    return text


def read_labelled_csv(path, label_column: str) -> LabelledDataset:
    """The records of the CSV at ``path`` with their labels from ``label_column``.

    Refused, at the line at fault: a file that cannot be read or is not UTF-8, no header, no label column, no
    title or abstract column, a record whose label is blank or not 0 or 1, a repeated record id, no include or
    no exclude."""
    path = Path(path)
    return _csv_dataset(path, _read_text(path), label_column)


def read_labelled_ris(path, label_column: str) -> LabelledDataset:
    """The records of the RIS file at ``path`` with their labels from the tag ``label_column`` names.

    ``label_column`` is a tag (``LB``, ``C1``, a custom ``ZZ``; ``N1`` for ASReview's notes) or the rispy name of one
    (``label``, ``custom1``, ``notes``); ASReview's label column names (``included``, ``asreview_label``) mean its
    ``N1`` notes. The record id is the ``ID`` tag when the file gives one, else the record's number (1 = first):
    not ``AN``, a database's accession number, which a file merged from several databases has on some records only.

    Refused, at the line of the record's ``TY``: a file that cannot be read or is not UTF-8, text outside a record, a
    record without ``ER  -``, a label missing, not 0 or 1, or twice with different values, a record without the
    ``ID`` that others have or with one another has, no record, no title or abstract at all, no include or no
    exclude."""
    path = Path(path)
    return _ris_dataset(path, _read_text(path), label_column)


def _csv_dataset(path: Path, text: str, label_column: str) -> LabelledDataset:
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise LabelledFileError(path, 1, f"not a CSV table ({error})") from None
    if not header or not any(cell.strip() for cell in header):
        raise LabelledFileError(path, 1, "no header row: the first line must name the columns")
    header = [cell.strip().lower() for cell in header]
    label_at = _find_column(header, [label_column])
    if label_at is None:
        raise LabelledFileError(path, 1, f"no column {label_column!r} (the columns are: {', '.join(header)})")
    title_at, abstract_at = _find_column(header, COLUMNS["title"]), _find_column(header, COLUMNS["abstract"])
    if title_at is None and abstract_at is None:
        raise LabelledFileError(path, 1, "no title or abstract column: there is no text to rank the records by")
    id_at = _find_column(header, ID_COLUMNS)

    record_ids, titles, abstracts, labels, first_line_of = [], [], [], [], {}
    line = reader.line_num + 1
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                line = reader.line_num + 1
                continue
            cell = row[label_at].strip() if label_at < len(row) else ""
            if cell == "":
                raise LabelledFileError(path, line, f"no label in column {label_column!r}")
            if cell not in ("0", "1"):
                raise LabelledFileError(path, line, f"label {cell[:40]!r} is not 0 (exclude) or 1 (include)")
            record_id = row[id_at].strip() if id_at is not None and id_at < len(row) else ""
            if id_at is not None:
                if not record_id:
                    raise LabelledFileError(path, line, f"no record id in column {header[id_at]!r}")
                if record_id in first_line_of:
                    raise LabelledFileError(
                        path, line, f"record id {record_id!r} repeats the record of line {first_line_of[record_id]}"
                    )
                first_line_of[record_id] = line
            else:
                record_id = str(len(labels) + 1)
            record_ids.append(record_id)
            titles.append(row[title_at] if title_at is not None and title_at < len(row) else "")
            abstracts.append(row[abstract_at] if abstract_at is not None and abstract_at < len(row) else "")
            labels.append(int(cell))
            line = reader.line_num + 1
    except csv.Error as error:
        raise LabelledFileError(path, line, f"not a CSV table ({error})") from None
    if not labels:
        raise LabelledFileError(path, 1, "no records under the header")
    _check_both_classes(path, labels, f"column {label_column!r}")
    return LabelledDataset(record_ids, titles, abstracts, labels, own_ids=id_at is not None)


def _check_both_classes(path: Path, labels: list[int], where: str) -> None:
    if 1 not in labels:
        raise LabelledFileError(path, 1, f"no record is labelled 1 (include) in {where}")
    if 0 not in labels:
        raise LabelledFileError(path, 1, f"no record is labelled 0 (exclude) in {where}")


def _ris_label_tag(path: Path, label_column: str) -> str:
    name = label_column.strip()
    if TWO_CHARACTER_TAG.fullmatch(name):
        return name.upper()
    if name.lower() in ASREVIEW_LABEL_NAMES:
        return "N1"
    if tag := RIS_FIELD_TAGS.get(name.lower()):
        return tag
    raise LabelledFileError(
        path, 0, f"--label-column {name[:40]!r} names no RIS tag: give a tag (LB, C1, N1 ...) or its rispy name (label)"
    )


def _ris_records(path: Path, text: str) -> list[RisRecord]:
    records, problems = split_ris(text)
    if problems:
        line, reason = problems[0]
        raise LabelledFileError(path, line, reason)
    return records


def _ris_label(path: Path, line: int, tags: dict[str, list[str]], label_tag: str) -> int:
    values = [value for value in tags.get(label_tag, []) if value]
    found, not_seen = set(), False
    for value in values:
        if value in ("0", "1"):
            found.add(int(value))
        for note in ASREVIEW_NOTE.findall(value):
            if note in ASREVIEW_LABELS:
                found.add(ASREVIEW_LABELS[note])
            not_seen |= note == "ASReview_not_seen"
    if len(found) > 1:
        raise LabelledFileError(path, line, f"tag {label_tag} gives both labels, 0 and 1: one label a record")
    if found:
        return found.pop()
    if not_seen:
        raise LabelledFileError(path, line, "ASReview_not_seen: a simulation needs every record labelled 0 or 1")
    if not values:
        hint = ""
        if label_tag != "N1" and ASREVIEW_NOTE.search(" ".join(tags.get("N1", []))):
            hint = " (its N1 note holds an ASReview label: use --label-column N1)"
        raise LabelledFileError(path, line, f"no label in tag {label_tag}{hint}")
    accepted = "0 (exclude) or 1 (include)"
    if label_tag == "N1":
        accepted = "0 (exclude), 1 (include), ASReview_relevant or ASReview_irrelevant"
    raise LabelledFileError(path, line, f"label {values[0][:40]!r} in tag {label_tag} is not {accepted}")


def _ris_dataset(path: Path, text: str, label_column: str) -> LabelledDataset:
    label_tag = _ris_label_tag(path, label_column)
    records = _ris_records(path, text)
    if not records:
        raise LabelledFileError(path, 1, "no RIS records (no TY  - line)")
    tags_of = [record.values() for record in records]
    own_ids = any(value for tags in tags_of for value in tags.get("ID", []))
    record_ids, titles, abstracts, labels, first_line_of = [], [], [], [], {}
    for record, tags in zip(records, tags_of, strict=True):
        line, reference = record.line, record.text
        labels.append(_ris_label(path, line, tags, label_tag))
        record_id = next((value for value in tags.get("ID", []) if value), "")
        if own_ids:
            if not record_id:
                raise LabelledFileError(path, line, "no record id in tag ID, which other records have")
            if record_id in first_line_of:
                raise LabelledFileError(
                    path, line, f"record id {record_id!r} repeats the record of line {first_line_of[record_id]}"
                )
            first_line_of[record_id] = line
        try:
            (fields,) = rispy.loads(reference, skip_unknown_tags=True)
        except Exception as error:  # rispy raises bare exceptions of several kinds on malformed input
            raise LabelledFileError(path, line, f"unreadable RIS record ({error})") from None
        more_titles = (value for tag in MORE_TITLE_TAGS for value in tags.get(tag, []) if value)
        titles.append(fields.get("title") or fields.get("primary_title") or next(more_titles, ""))
        abstracts.append(fields.get("abstract") or fields.get("notes_abstract") or "")
        record_ids.append(record_id or str(len(labels)))
    if not any(titles) and not any(abstracts):
        raise LabelledFileError(path, 1, "no record has a title or abstract: there is no text to rank the records by")
    _check_both_classes(path, labels, f"tag {label_tag}")
    return LabelledDataset(record_ids, titles, abstracts, labels, own_ids=own_ids)
