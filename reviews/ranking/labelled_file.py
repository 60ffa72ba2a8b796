"""Reading a labelled screening dataset: a CSV table of records, each with the final include (1) / exclude (0)
decision in a label column, as SYNERGY and ASReview's simulations use.

Column names are matched as the importer matches them (papers/importers/rows.py): stripped, in any case, with
the same names for the title, the abstract and the record id. Any problem is a ``LabelledFileError`` naming the
file and line, so the command can print ``FILE:LINE: reason`` and stop before simulating anything.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from papers.importers.rows import COLUMNS

from .features import record_text

ID_COLUMNS = (*COLUMNS["record_id"], "id")
# A CSV field longer than this is not an abstract but a broken quote swallowing the rest of the file.
MAX_FIELD = 1_000_000


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


def read_labelled_csv(path, label_column: str) -> LabelledDataset:
    """The records of the CSV at ``path`` with their labels from ``label_column``.

    Refused, at the line at fault: a file that cannot be read or is not UTF-8, no header, no label column, no
    title or abstract column, a record whose label is blank or not 0 or 1, a repeated record id, no include or
    no exclude."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LabelledFileError(path, 0, f"cannot read the file ({error.strerror or error})") from None
    text = _decode(path, data)
    if "\x00" in text:
        raise LabelledFileError(path, text[: text.index("\x00")].count("\n") + 1, "not a text file (a NUL byte)")
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
    if 1 not in labels:
        raise LabelledFileError(path, 1, f"no record is labelled 1 (include) in column {label_column!r}")
    if 0 not in labels:
        raise LabelledFileError(path, 1, f"no record is labelled 0 (exclude) in column {label_column!r}")
    return LabelledDataset(record_ids, titles, abstracts, labels, own_ids=id_at is not None)
