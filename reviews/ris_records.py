"""A RIS file split into its records, each with the line number of its ``TY  -`` tag, for the readers that report
problems at ``FILE:LINE``: a screening tool's export (reviews/importing/screening_files.py) and a labelled dataset
(reviews/ranking/labelled_file.py). rispy then reads each record alone, so one bad record is named by its line."""

import re
from dataclasses import dataclass

# A tag line, with EndNote's reference number ("1.") allowed before the first tag.
RIS_TAG = re.compile(r"^(?:\d+\.\s*)?([A-Z][A-Z0-9])  -(?: (.*))?$")


@dataclass(frozen=True)
class RisRecord:
    line: int  # of its TY tag
    lines: tuple[str, ...]  # from TY to ER, EndNote's number left out, as rispy reads them

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def values(self) -> dict[str, list[str]]:
        """Each tag's values in order, a value continued on the lines after its tag joined to it by a space."""
        values: dict[str, list[str]] = {}
        last = None
        for line in self.lines:
            if match := RIS_TAG.match(line):
                last = values.setdefault(match[1], [])
                last.append((match[2] or "").strip())
            elif line.strip() and last is not None:
                last[-1] = f"{last[-1]} {line.strip()}".strip()
        return values


def split_ris(text: str) -> tuple[list[RisRecord], list[tuple[int, str]]]:
    """The records of ``text`` and, in file order, its problems as (line, reason): a record without ``ER  -``
    (cut off by the next ``TY  -`` or the end of the file) and text outside any record."""
    records, problems, start, lines = [], [], None, []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.removesuffix("\r")
        match = RIS_TAG.match(line)
        tag = match[1] if match else None
        if tag == "TY":
            if start is not None:
                problems.append((start, "truncated record: no ER  - line before the next TY  -"))
            start, lines = number, [line[match.start(1) :]]
        elif start is None:
            if line.strip():
                problems.append((number, "expected TY  - to start a RIS record"))
        elif tag == "ER":
            records.append(RisRecord(start, (*lines, "ER  - ")))
            start, lines = None, []
        else:
            lines.append(line[match.start(1) :] if match else line)
    if start is not None:
        problems.append((start, "truncated record: no ER  - line at end of file"))
    return records, problems
