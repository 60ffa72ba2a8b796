"""Admin for the corpus: papers, the import batches that brought them in, an upload page, and what enrichment did."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .arxiv_ids import InvalidArxivId, parse_arxiv_id
from .identity import normalize_doi, normalize_pmid
from .import_forms import format_choices
from .models import EnrichmentAttempt, ImportBatch, Paper
from .models.paper import month_of
from .tasks import start_import


class SubmittedMonthFilter(admin.SimpleListFilter):
    """Year-months that occur in the corpus, newest first (read from the submitted_month index)."""

    title = "submitted month"
    parameter_name = "submitted"

    def lookups(self, request, model_admin):
        months = (
            Paper.objects.exclude(submitted_month=None)
            .order_by("-submitted_month")
            .values_list("submitted_month", flat=True)
            .distinct()
        )
        return [(month.strftime("%Y-%m"), month.strftime("%B %Y")) for month in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            month = datetime.datetime.strptime(self.value(), "%Y-%m").date()
        except ValueError:
            return queryset.none()
        return queryset.filter(submitted_month=month)


class PaperForm(forms.ModelForm):
    """The admin's paper form: ids are validated and stored in their normal forms, a version kept apart.

    A paper needs no arXiv id (it may be known by its DOI, PubMed id, or only its title), but one given must be valid.
    """

    url = forms.URLField(label="URL", required=False, max_length=500, assume_scheme="https")
    # Longer than the stored forms: "PMID: 0031234567" and doi.org links are accepted and normalised.
    pmid = forms.CharField(label="PubMed id", required=False, max_length=100)
    doi = forms.CharField(label="DOI", required=False, max_length=500, help_text="Stored bare and in lower case.")

    class Meta:
        model = Paper
        fields = [
            "arxiv_id",
            "version",
            "doi",
            "pmid",
            "title",
            "authors",
            "abstract",
            "primary_category",
            "venue",
            "year",
            "month",
            "url",
            "extra",
        ]
        help_texts = {"arxiv_id": "Optional: 2201.11903, or hep-th/9711200 (a version, v2, is kept apart)."}

    def clean_arxiv_id(self):
        text = self.cleaned_data["arxiv_id"].strip()
        if not text:
            return ""
        try:
            self.parsed_id = parse_arxiv_id(text)
        except InvalidArxivId as error:
            raise forms.ValidationError(str(error)) from None
        return self.parsed_id.canonical

    def clean_doi(self):
        text = self.cleaned_data["doi"].strip()
        if text and not normalize_doi(text):
            raise forms.ValidationError("Enter a DOI such as 10.1038/nature14539 (a doi.org link is fine too).")
        return normalize_doi(text)

    def clean_pmid(self):
        text = self.cleaned_data["pmid"].strip()
        if text and not normalize_pmid(text):
            raise forms.ValidationError("Enter a PubMed id: digits, such as 31234567 (PMID:31234567 is fine too).")
        return normalize_pmid(text)

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month is not None and not 1 <= month <= 12:
            raise forms.ValidationError("Enter a month from 1 to 12, or leave it empty.")
        return month

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year is not None and not 1 <= year <= 9999:
            raise forms.ValidationError("Enter a year from 1 to 9999, or leave it empty.")
        return year

    def clean_extra(self):
        extra = self.cleaned_data["extra"]
        if extra is None:
            return {}
        if not isinstance(extra, dict):
            raise forms.ValidationError(
                'Enter the other fields as a JSON object, e.g. {"volume": "12", "keywords": []}.'
            )
        return extra

    def clean_authors(self):
        # An emptied box cleans to None, which the NOT NULL column refuses; the pages join what is stored.
        authors = self.cleaned_data["authors"]
        if authors is None:
            return []
        if not isinstance(authors, list) or not all(isinstance(name, str) for name in authors):
            raise forms.ValidationError(
                'Enter the authors as a JSON list of names, e.g. ["Ada Lovelace", "Alan Turing"].'
            )
        return authors

    def clean(self):
        cleaned = super().clean()
        parsed = getattr(self, "parsed_id", None)
        if parsed is not None and parsed.version is not None and not cleaned.get("version"):
            cleaned["version"] = parsed.version
        arxiv_id = cleaned.get("arxiv_id", getattr(self.instance, "arxiv_id", ""))
        if cleaned.get("version") and not arxiv_id:
            self.add_error("version", "A version belongs to an arXiv id: enter the id too, or leave the version empty.")
        if cleaned.get("month") and not cleaned.get("year"):
            self.add_error("month", "A month needs a year.")
        return cleaned


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    form = PaperForm
    list_display = ["paper_id", "short_title", "venue", "primary_category", "date"]
    list_filter = [SubmittedMonthFilter, "primary_category", "import_batches"]
    search_fields = ["arxiv_id", "doi", "pmid", "title", "abstract"]
    search_help_text = (
        "An arXiv id (2201.11903, hep-th/9711200), a DOI (10.1038/nature14539), a PubMed id (PMID:31234567), "
        'a paper-<id> key, or words from the title or abstract: "a phrase", -excluded.'
    )
    show_full_result_count = False
    list_per_page = 50
    exclude = ["search_document"]
    readonly_fields = ["date", "import_batch_links", "created_at", "updated_at", "search_document"]
    fieldsets = [
        (None, {"fields": ["arxiv_id", "version", "doi", "pmid", "title", "authors", "abstract"]}),
        ("Bibliographic", {"fields": ["venue", "year", "month", "primary_category", "url", "extra"]}),
        (
            "Provenance",
            {"fields": ["date", "import_batch_links", "created_at", "updated_at", "search_document"]},
        ),
    ]

    def get_queryset(self, request):
        # The stored tsvector can be as large as the abstract and no list or form needs it.
        return super().get_queryset(request).defer("search_document")

    def get_readonly_fields(self, request, obj=None):
        # The arXiv id is the key every import matches on first and the paper's URL; changing it would orphan
        # the paper's history. A paper without one may be given one, as an import would.
        readonly = super().get_readonly_fields(request, obj)
        return ["arxiv_id", *readonly] if obj and obj.arxiv_id else readonly

    def save_model(self, request, obj, form, change):
        # Paper.save fills submitted_month only when it is empty; an edited year or month must move the paper.
        obj.submitted_month = month_of(obj.arxiv_id, obj.year, obj.month)
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if matched := _papers_named_by(queryset, term):
            return matched, False
        # The site's search, phrases and exclusions included; the changelist applies its own order.
        return queryset.search(term, ranked=False), False

    @admin.display(description="id", ordering="arxiv_id")
    def paper_id(self, paper):
        return paper.display_id

    @admin.display(description="submitted month", ordering="submitted_month")
    def date(self, paper):
        # "2003" for a record that gave only its year, not "Jan. 1, 2003"; "March 2020", not "March 1, 2020".
        return paper.date_label or "—"

    @admin.display(description="title", ordering="title")
    def short_title(self, paper):
        return Truncator(paper.title).chars(80) or "—"

    @admin.display(description="import batches")
    def import_batch_links(self, paper):
        batches = paper.import_batches.all()
        if not batches:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a>',
            ((reverse("admin:papers_importbatch_change", args=[batch.pk]), batch) for batch in batches),
        )


def _papers_named_by(queryset, term: str):
    """The papers an id names (arXiv id, DOI, PubMed id, paper-<id> key), or None when the term is no id."""
    try:
        return queryset.filter(arxiv_id=parse_arxiv_id(term).canonical)
    except InvalidArxivId:
        pass
    if doi := normalize_doi(term):
        return queryset.filter(doi=doi)
    if term.lower().startswith("pmid") and (pmid := normalize_pmid(term)):
        return queryset.filter(pmid=pmid)
    # Bare digits are a PubMed id when a paper has it, else words to search for ("2019").
    if term.isdigit() and (pmid := normalize_pmid(term)) and queryset.filter(pmid=pmid).exists():
        return queryset.filter(pmid=pmid)
    if term.startswith("paper-"):
        return queryset & Paper.objects.by_key(term)
    return None


class UploadPapersForm(forms.Form):
    file = forms.FileField(
        help_text="An arXiv dataset dump, JSONL, CSV (ASReview, Rayyan, Scopus, Embase, Web of Science), BibTeX, RIS "
        "or PubMed/MEDLINE (.nbib) file. UTF-8 is best; Latin-1, GBK and UTF-16 are recognised."
    )
    format = forms.ChoiceField(choices=format_choices, initial="auto")
    dry_run = forms.BooleanField(required=False, help_text="Check the file and count what would change.")
    skip_invalid = forms.BooleanField(
        required=False,
        label="Skip invalid records",
        help_text="Import the valid records and list the ones left out, instead of importing nothing.",
    )


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "format",
        "imported_at",
        "imported_by",
        "record_count",
        "created_count",
        "updated_count",
        "unchanged_count",
        "skipped_count",
        "papers_link",
    ]
    list_filter = ["format", "imported_at"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["imported_by"]
    readonly_fields = ["papers_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("papers"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="papers")
    def papers_link(self, batch):
        count = getattr(batch, "paper_count", None)
        if count is None:
            count = batch.papers.count()
        url = reverse("admin:papers_paper_changelist") + f"?import_batches__id__exact={batch.pk}"
        return format_html('<a href="{}">{} paper{}</a>', url, count, "" if count == 1 else "s")

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="papers_importbatch_upload")
        return [upload, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": request.user.has_perm("papers.add_paper")}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        """Upload one file and import it in the background, as the Import records page does (papers/tasks.py).

        The upload becomes an import job; its page shows the progress, then the report.
        """
        if not request.user.has_perm("papers.add_paper"):
            raise PermissionDenied
        form = UploadPapersForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            job = start_import(
                request.user,
                [form.cleaned_data["file"]],
                format=form.cleaned_data["format"],
                dry_run=form.cleaned_data["dry_run"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
            messages.info(request, f"{job.file_label} is being imported in the background.")
            return redirect(job)
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload papers",
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/papers/importbatch/upload.html", context)


@admin.register(EnrichmentAttempt)
class EnrichmentAttemptAdmin(admin.ModelAdmin):
    """What ``manage.py enrich_papers`` did, paper by paper and source by source: to find what failed and why.

    Read-only; deleting an attempt is how a curator has one paper asked about again on the next run.
    """

    list_display = ["paper_link", "source", "outcome", "filled", "message_start", "attempted_at"]
    list_filter = ["source", "outcome", "attempted_at"]
    search_fields = ["paper__arxiv_id", "paper__doi", "paper__pmid", "paper__title", "message"]
    list_select_related = ["paper"]
    ordering = ["-attempted_at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="paper", ordering="paper")
    def paper_link(self, attempt):
        url = reverse("admin:papers_paper_change", args=[attempt.paper_id])
        return format_html('<a href="{}">{}</a>', url, attempt.paper.display_id)

    @admin.display(description="fields filled")
    def filled(self, attempt):
        return ", ".join(attempt.filled_fields) if isinstance(attempt.filled_fields, list) else ""

    @admin.display(description="message")
    def message_start(self, attempt):
        return Truncator(attempt.message).chars(120)
