"""Curators' side of possible duplicates: every pair of the corpus, side by side, merged or rejected by action.

Registered by the reviews app because merging moves the reviews' annotations (reviews/paper_merging.py). A
curator's scope is the whole corpus: the scope rule of a review's owners does not apply here.
"""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from papers.models import DuplicateCandidate, DuplicateStatus, PaperAlias

from .. import paper_merging

SIDE_BY_SIDE = (
    ("Title", lambda paper: paper.title or "—"),
    ("Authors", lambda paper: ", ".join(paper.authors) or "—"),
    ("Year", lambda paper: paper.published_year or "—"),
    ("Venue", lambda paper: paper.venue or "—"),
    ("arXiv id", lambda paper: paper.versioned_id if paper.arxiv_id else "—"),
    ("DOI", lambda paper: paper.doi or "—"),
    ("PubMed id", lambda paper: paper.pmid or "—"),
    ("Reviews", lambda paper: ", ".join(str(review) for review in paper.reviews.all()) or "—"),
    ("Abstract", lambda paper: Truncator(paper.abstract).chars(600) or "—"),
)


@admin.action(description="Merge selected pairs (the first paper is kept)", permissions=["change"])
def merge_pairs(modeladmin, request, queryset):
    merged = 0
    for pk in list(queryset.filter(status=DuplicateStatus.OPEN).values_list("pk", flat=True)):
        # An earlier merge of this batch may have taken one of this pair's papers already.
        pair = DuplicateCandidate.objects.filter(pk=pk, status=DuplicateStatus.OPEN).first()
        if pair is None:
            continue
        try:
            result = paper_merging.merge_papers(pair.paper_a_id, pair.paper_b_id, user=request.user)
        except paper_merging.MergeRefused as refusal:
            modeladmin.message_user(request, f"Not merged: {pair}: {refusal.message}", messages.ERROR)
            continue
        merged += 1
        modeladmin.message_user(request, f"Merged {result.merged_display_id} into {result.survivor.display_id}.")
    if not merged:
        modeladmin.message_user(request, "No open pair was merged.", messages.WARNING)


@admin.action(description="Mark selected pairs as not duplicates", permissions=["change"])
def reject_pairs(modeladmin, request, queryset):
    rejected = 0
    for pair in queryset.filter(status=DuplicateStatus.OPEN):
        paper_merging.decide_not_duplicates(pair, request.user)
        rejected += 1
    modeladmin.message_user(request, f"{rejected} pair(s) marked as different papers; they will not be proposed again.")


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ("pk", "score", "found_by", "status", "first_paper", "second_paper", "found_at")
    list_filter = ("status", "found_by")
    list_select_related = ("paper_a", "paper_b")
    search_fields = ("paper_a__title", "paper_b__title", "paper_a__doi", "paper_b__doi")
    actions = [merge_pairs, reject_pairs]
    readonly_fields = ("side_by_side", "score", "found_by", "status", "found_at", "decided_by", "decided_at")
    fields = readonly_fields
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # pairs are found, not typed in

    def get_queryset(self, request):
        return super().get_queryset(request).defer("paper_a__search_document", "paper_b__search_document")

    @admin.display(description="first paper (kept)")
    def first_paper(self, pair):
        return _summary(pair.paper_a)

    @admin.display(description="second paper")
    def second_paper(self, pair):
        return _summary(pair.paper_b)

    @admin.display(description="the two papers")
    def side_by_side(self, pair):
        first, second = pair.paper_a, pair.paper_b
        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
            ((label, value(first), value(second)) for label, value in SIDE_BY_SIDE),
        )
        return format_html(
            '<table class="duplicate-side-by-side"><thead><tr><th></th><th scope="col">{} (kept)</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            first.display_id,
            second.display_id,
            rows,
        )


def _summary(paper) -> str:
    title = Truncator(paper.title).chars(80) if paper.title else ""
    return f"{paper.display_id}: {title}" if title else paper.display_id


@admin.register(PaperAlias)
class PaperAliasAdmin(admin.ModelAdmin):
    """The record of merges: what each merged paper was, who merged it into which paper, and when."""

    list_display = ("key", "merged_display_id", "paper", "merged_by", "merged_at")
    search_fields = ("key", "merged_display_id", "merged_title")
    list_select_related = ("paper", "merged_by")
    readonly_fields = ("key", "paper", "merged_by", "merged_at", "merged_display_id", "merged_title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
