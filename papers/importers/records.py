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
    """An error or warning tied to a place in a file, shown as ``FILE:LINE: reason``."""

    file_name: str
    line: int
    reason: str

    def __str__(self) -> str:
        return _printable(f"{self.file_name}:{self.line}: {self.reason}")


@dataclass(slots=True)
class ParsedFile:
    """A source file after parsing: its records in file order, errors, and warnings (skipped entries)."""

    name: str
    format: str = ""
    sha256: str = ""
    records: list[PaperRecord] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)

    def error(self, line: int, reason: str) -> None:
        self.errors.append(ImportProblem(self.name, line, reason))

    def warn(self, line: int, reason: str) -> None:
        self.warnings.append(ImportProblem(self.name, line, reason))


def _printable(text: str) -> str:
    # A reason may quote the file: an escape sequence must not reach a terminal, nor a lone surrogate a page
    # (it cannot be encoded, and the response would fail). Both are shown escaped, as repr() shows them.
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)
