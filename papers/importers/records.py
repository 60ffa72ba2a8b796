"""What every importer produces: paper records, the problems found, and one parsed file."""

from dataclasses import dataclass, field

from ..identity import title_key


@dataclass(slots=True)
class PaperRecord:
    """One paper as a source file describes it.

    ``arxiv_id`` is canonical (no version) or ``""``; ``doi`` and ``pmid`` are in their normal forms
    (papers/identity.py) or ``""``. ``extra`` holds what else the source gave (keywords, volume, pages, …).
    """

    arxiv_id: str = ""
    version: int | None = None
    line: int = 0
    abstract: str = ""
    title: str = ""
    authors: list[str] = field(default_factory=list)
    primary_category: str = ""
    doi: str = ""
    url: str = ""
    pmid: str = ""
    venue: str = ""
    year: int | None = None
    month: int | None = None
    extra: dict = field(default_factory=dict)
    # The normalised title, computed once: matching looks it up many times. merge_record keeps it current.
    title_key: str = field(default="", compare=False)

    def __post_init__(self):
        self.title_key = title_key(self.title)

    @property
    def label(self) -> str:
        """How problems name the record: its best id, else the start of its title."""
        if self.arxiv_id:
            return self.arxiv_id
        if self.doi:
            return f"doi:{self.doi}"
        if self.pmid:
            return f"PMID:{self.pmid}"
        title = " ".join(self.title.split())
        return f"“{title[:60]}…”" if len(title) > 60 else f"“{title}”"


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """An error or warning tied to a place in a file, shown as ``FILE:LINE: reason`` (``FILE: reason`` without a line).

    ``whole_file`` marks an error no record can be skipped around (undecodable text, an unknown format, a CSV
    without a header): ``--skip-invalid`` still fails the file on it.
    """

    file_name: str
    line: int | None
    reason: str
    whole_file: bool = False

    def __str__(self) -> str:
        place = self.file_name if self.line is None else f"{self.file_name}:{self.line}"
        return _printable(f"{place}: {self.reason}")


@dataclass(slots=True)
class ParsedFile:
    """A source file after parsing: its records in file order, errors, warnings (skipped entries, one each)
    and notes (what was read differently from the file's letter but imported: the encoding, a repeated key).
    """

    name: str
    format: str = ""
    sha256: str = ""
    encoding: str = "utf-8"
    # Whether undecodable bytes stand in the text as lone surrogates (papers/importers/text.py).
    damaged_bytes: bool = False
    records: list[PaperRecord] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    notes: list[ImportProblem] = field(default_factory=list)

    def take_records(self) -> list[PaperRecord]:
        """The records added since the last call, handed over: a streaming reader yields them as it goes."""
        records = self.records[:]
        self.records.clear()
        return records

    def error(self, line: int, reason: str) -> None:
        """A problem with the record at ``line``: it fails the file, or with --skip-invalid skips the record."""
        self.errors.append(ImportProblem(self.name, line, reason))

    def file_error(self, line: int, reason: str) -> None:
        """A problem that leaves nothing in the file readable (see ImportProblem.whole_file)."""
        self.errors.append(ImportProblem(self.name, line, reason, whole_file=True))

    def warn(self, line: int, reason: str) -> None:
        """A record left out of the import (counted as skipped)."""
        self.warnings.append(ImportProblem(self.name, line, reason))

    def note(self, line: int | None, reason: str) -> None:
        """Something the person importing should know; it neither skips nor fails anything."""
        self.notes.append(ImportProblem(self.name, line, reason))


def _printable(text: str) -> str:
    # A reason may quote the file: an escape sequence must not reach a terminal, nor a lone surrogate a page
    # (it cannot be encoded, and the response would fail). Both are shown escaped, as repr() shows them.
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)
