from datetime import date

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right, Substr
from django.urls import reverse

from .. import lookups  # noqa: F401 - registers __any_of on every field
from ..arxiv_ids import ArxivId
from ..identity import title_key
from ..querysets import PaperQuerySet
from ..title_matching import BLOCK_LENGTH
from .batch import ImportBatch, ImportSource

# Papers without an arXiv id are addressed as paper-<row id>; no arXiv id has this shape.
KEY_PREFIX = "paper-"


class Paper(models.Model):
    """A paper, known by the best id it has: its canonical arXiv id (no version), DOI, PubMed id, or none.

    ``submitted_month`` orders and filters papers: the month of first submission for arXiv papers (from the
    id), else the publication year and month as the source gives them (January when only the year is known).
    """

    arxiv_id = models.CharField("arXiv id", max_length=40, blank=True)
    version = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Latest version seen (the N of vN), if any source named one."
    )
    abstract = models.TextField(blank=True, help_text="Exactly as imported.")
    title = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True, help_text="Author names, in order.")
    primary_category = models.CharField(max_length=40, blank=True)
    doi = models.CharField("DOI", max_length=255, blank=True, help_text="Bare and in lower case (10.1234/abc).")
    pmid = models.CharField("PubMed id", max_length=12, blank=True)
    url = models.URLField("URL", max_length=500, blank=True)
    venue = models.CharField(max_length=500, blank=True, help_text="Journal, proceedings or series.")
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Year of publication, if given.")
    month = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Month of publication, if given.")
    extra = models.JSONField(
        default=dict, blank=True, help_text="Everything else the sources gave (keywords, volume, pages, ISSN, …)."
    )
    title_key = models.CharField(max_length=200, blank=True, editable=False, help_text="The title, normalised.")
    submitted_month = models.DateField(
        null=True, blank=True, help_text="Month of first submission (arXiv), else of publication."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    import_batches = models.ManyToManyField(ImportBatch, related_name="papers", blank=True)
    search_document = SearchVectorField(
        null=True,
        editable=False,
        help_text="Title (weight A) and abstract (weight B) as a tsvector; PostgreSQL's trigger keeps it current.",
    )

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_month", "-arxiv_id", "-id"]
        # Constraints and indexes are declared here rather than with unique=/db_index= on the fields, which on
        # PostgreSQL would add varchar_pattern_ops copies that no query uses and every import must maintain.
        constraints = [
            models.UniqueConstraint(fields=["arxiv_id"], condition=~Q(arxiv_id=""), name="paper_arxiv_id_unique")
        ]
        indexes = [
            models.Index(fields=["primary_category"], name="paper_category"),
            # Serves the default order and month ranges; it ends with the id, so deep pages find their 25 ids by
            # an index-only scan, and papers without an arXiv id still have one order.
            models.Index(fields=["-submitted_month", "-arxiv_id", "-id"], name="paper_month_id_desc_order"),
            # Matching imported records to papers (papers/importers/matching.py).
            models.Index(fields=["doi"], condition=~Q(doi=""), name="paper_doi"),
            models.Index(fields=["pmid"], condition=~Q(pmid=""), name="paper_pmid"),
            models.Index(fields=["title_key"], condition=~Q(title_key=""), name="paper_title_key"),
            # The blocks likely duplicates are looked up by (papers/duplicates.py): a title key's two ends.
            models.Index(Substr("title_key", 1, BLOCK_LENGTH), condition=~Q(title_key=""), name="paper_title_start"),
            models.Index(Right("title_key", BLOCK_LENGTH), condition=~Q(title_key=""), name="paper_title_end"),
        ]

    def __str__(self):
        return self.title or self.display_id

    def save(self, *args, **kwargs):
        if self.submitted_month is None:
            self.submitted_month = month_of(self.arxiv_id, self.year, self.month)
        self.title_key = title_key(self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("papers:detail", args=[self.key])

    @property
    def key(self) -> str:
        """What the paper's URLs name it by: its arXiv id (as they always have), else ``paper-<id>``."""
        return self.arxiv_id or f"{KEY_PREFIX}{self.pk}"

    @property
    def display_id(self) -> str:
        """The best id, as a reader would cite it: ``arXiv:2201.11903v2``, ``doi:10.1/x``, ``PMID:123``."""
        if self.arxiv_id:
            return f"arXiv:{self.versioned_id}"
        if self.doi:
            return f"doi:{self.doi}"
        if self.pmid:
            return f"PMID:{self.pmid}"
        return f"Record {self.pk}"

    @property
    def short_id(self) -> str:
        """The id shown beside a title: the bare arXiv id as before, else display_id."""
        return self.versioned_id if self.arxiv_id else self.display_id

    @property
    def month_known(self) -> bool:
        """Whether submitted_month's month is real, not January standing for a year."""
        return bool(self.arxiv_id or self.month)

    @property
    def date_label(self) -> str:
        """``March 2022``, or ``2022`` when the source gave only the year; ``""`` without a date."""
        if not self.submitted_month:
            return ""
        return self.submitted_month.strftime("%B %Y") if self.month_known else str(self.submitted_month.year)

    @property
    def date_attr(self) -> str:
        """The same date for a ``<time datetime>`` attribute."""
        if not self.submitted_month:
            return ""
        return self.submitted_month.strftime("%Y-%m") if self.month_known else f"{self.submitted_month.year:04d}"

    @property
    def source_url(self) -> str:
        """Where the paper lives: arXiv, doi.org, PubMed, or its own web address."""
        if self.arxiv_id:
            return self.arxiv_url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return self.web_url

    @property
    def published_year(self) -> int | None:
        return self.year or (self.submitted_month.year if self.submitted_month else None)

    @property
    def versioned_id(self) -> str:
        return self.arxiv_id if self.version is None else f"{self.arxiv_id}v{self.version}"

    def import_sources(self) -> list[ImportSource]:
        """The files this paper was imported from, oldest first; identical files (same sha256 and format) are one.

        Every import batch stays linked to every paper its file held (``add_to_review --batch`` relies on it),
        so re-importing a file links it again; the paper page reports that as a re-import, not a new source.
        Uses ``import_batches.all()``, so a prefetch serves it.
        """
        sources: dict[tuple[str, str], ImportSource] = {}
        for batch in sorted(self.import_batches.all(), key=lambda batch: (batch.imported_at, batch.pk)):
            source = sources.setdefault((batch.sha256, batch.format), ImportSource(first=batch))
            if source.first is not batch:
                source.reimports += 1
                source.last_imported_at = batch.imported_at
        return list(sources.values())

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def web_url(self) -> str:
        """The URL if it is an http(s) address (the only kind a page may link to), else ``""``."""
        return self.url if self.url.lower().startswith(("http://", "https://")) else ""


def month_of(arxiv_id: str, year: int | None, month: int | None) -> date | None:
    """The month a paper is ordered and filtered by (see Paper)."""
    if arxiv_id:
        return ArxivId(arxiv_id, None).submitted_month
    if year and 1 <= year <= 9999:
        return date(year, month if month and 1 <= month <= 12 else 1, 1)
    return None
