"""Admin for curators: reviews with their members and reasons, tag merging, comment moderation.

Annotation rows (decisions, scores, applied tags) are view-only here: ReviewPaper's summary columns are
derived from them, and only the review pages keep the two in step.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as delete_selected_action
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import Truncator

# Importing it re-registers the Paper admin with the review actions (add to a review, tag in a review).
from . import admin_paper_actions  # noqa: F401
from .models import (
    LAST_OWNER_MESSAGE,
    Comment,
    ExclusionReason,
    Membership,
    PaperTag,
    Review,
    ReviewPaper,
    Role,
    Score,
    ScreeningDecision,
    Tag,
)
from .querysets import count_of
from .summaries import refresh_comments

# Ids per query when moving or deleting assignments, well under SQLite's limit on query parameters.
MERGE_BATCH_SIZE = 500


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        remaining = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("user")
        ]
        if remaining and not any(data.get("role") == Role.OWNER for data in remaining):
            raise forms.ValidationError("A review with members needs at least one owner.")


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]
    extra = 0


class ExclusionReasonInline(admin.TabularInline):
    model = ExclusionReason
    fields = ["label", "position"]
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "paper_count", "member_count"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    fields = [
        "title",
        "slug",
        "research_question",
        "inclusion_criteria",
        "exclusion_criteria",
        "allow_new_tags",
        "paper_count",
        "created_at",
    ]
    readonly_fields = ["paper_count", "created_at"]
    inlines = [MembershipInline, ExclusionReasonInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                paper_count=count_of(ReviewPaper.objects, review=OuterRef("pk")),
                member_count=count_of(Membership.objects, review=OuterRef("pk")),
            )
        )

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, review):
        # The add page has no annotated instance; a saved review always does.
        return getattr(review, "paper_count", 0)

    @admin.display(description="members", ordering="member_count")
    def member_count(self, review):
        return review.member_count


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["review", "name", "colour", "description", "created_by"]

    def clean(self):
        cleaned = super().clean()
        review = cleaned.get("review") or getattr(self.instance, "review", None)
        name = cleaned.get("name")
        # normalised_name is not a form field, so the unique constraint on it would only surface as an IntegrityError.
        if review and name and (taken := Tag.objects.named(review, name).exclude(pk=self.instance.pk).first()):
            self.add_error("name", f"This review already has a tag called “{taken}” (ignoring case and spaces).")
        return cleaned


class TagMergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=Tag.objects.none(), widget=forms.RadioSelect, empty_label=None, label="Keep this tag"
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = tags
        self.fields["survivor"].label_from_instance = lambda tag: f"{tag.name} (on {tag.usage_count} papers)"


def merge_tags(survivor: Tag, others: list[Tag]) -> tuple[int, int]:
    """Move every assignment of ``others`` to ``survivor`` and delete them; return (moved, dropped duplicates).

    A paper carrying several of the tags keeps one assignment: the earliest, with its applied_by and applied_at.
    """
    tag_ids = [survivor.pk, *(tag.pk for tag in others)]
    with transaction.atomic():
        # Locking the tags holds back concurrent taggings with them (their inserts wait on the row lock).
        list(Tag.objects.select_for_update().filter(pk__in=tag_ids).values_list("pk"))
        assignments = (
            PaperTag.objects.filter(tag_id__in=tag_ids)
            .order_by("review_id", "paper_id", "applied_at", "pk")
            .values_list("pk", "review_id", "paper_id", "tag_id")
        )
        kept_papers, to_move, to_delete = set(), [], []
        for pk, review_id, paper_id, tag_id in assignments.iterator():
            if (review_id, paper_id) in kept_papers:
                to_delete.append(pk)
                continue
            kept_papers.add((review_id, paper_id))
            if tag_id != survivor.pk:
                to_move.append(pk)
        # Duplicates go first, so that no moved row collides with one on the unique (review, paper, tag).
        for start in range(0, len(to_delete), MERGE_BATCH_SIZE):
            PaperTag.objects.filter(pk__in=to_delete[start : start + MERGE_BATCH_SIZE]).delete()
        for start in range(0, len(to_move), MERGE_BATCH_SIZE):
            PaperTag.objects.filter(pk__in=to_move[start : start + MERGE_BATCH_SIZE]).update(tag=survivor)
        Tag.objects.filter(pk__in=[tag.pk for tag in others]).delete()
    return len(to_move), len(to_delete)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagAdminForm
    list_display = ["name", "review", "colour_swatch", "usage_count"]
    list_filter = ["review"]
    list_select_related = ["review"]
    search_fields = ["name"]
    autocomplete_fields = ["review", "created_by"]
    readonly_fields = ["normalised_name", "created_at"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(usage_count=count_of(PaperTag.objects, tag=OuterRef("pk")))

    def get_readonly_fields(self, request, obj=None):
        # A tag's assignments are bound to its review, so the tag cannot move to another one.
        readonly = super().get_readonly_fields(request, obj)
        return ["review", *readonly] if obj else readonly

    @admin.display(description="colour", ordering="colour")
    def colour_swatch(self, tag):
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;vertical-align:middle;background:{}"></span> {}',
            tag.colour,
            tag.colour,
        )

    @admin.display(description="papers", ordering="usage_count")
    def usage_count(self, tag):
        return tag.usage_count

    @admin.action(description="Merge selected tags into one", permissions=["change", "delete"])
    def merge_selected(self, request, queryset):
        tags = list(queryset.order_by("-usage_count", "created_at", "pk"))
        if len(tags) < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.ERROR)
            return None
        if len({tag.review_id for tag in tags}) > 1:
            self.message_user(
                request, "Only tags of the same review can be merged; nothing was changed.", messages.ERROR
            )
            return None
        form = TagMergeForm(
            request.POST if "survivor" in request.POST else None, tags=queryset, initial={"survivor": tags[0]}
        )
        if form.is_valid():
            survivor = form.cleaned_data["survivor"]
            others = [tag for tag in tags if tag.pk != survivor.pk]
            moved, dropped = merge_tags(survivor, others)
            self.message_user(
                request,
                f"Merged {len(others)} tag{'s' * (len(others) != 1)} into “{survivor}”: moved {moved} "
                f"assignment{'s' * (moved != 1)}, dropped {dropped} duplicate{'s' * (dropped != 1)}.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.model._meta,
            "review": tags[0].review,
            "tags": tags,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reviews/tag/merge.html", context)


def lock_review_papers(pairs: set[tuple[int, int]]) -> list[ReviewPaper]:
    """Lock the ReviewPaper row of each (review_id, paper_id) until the transaction ends, as the comment views do.

    Taken before the comments change and in pk order, so a concurrent comment_add waits for the recount
    (and is counted) instead of being lost from it, and no two lockers deadlock.
    """
    if not pairs:
        return []
    candidates = ReviewPaper.objects.filter(
        review_id__in={review_id for review_id, _ in pairs}, paper_id__in={paper_id for _, paper_id in pairs}
    ).values_list("pk", "review_id", "paper_id")
    pks = sorted(pk for pk, review_id, paper_id in candidates if (review_id, paper_id) in pairs)
    locked = []
    for start in range(0, len(pks), MERGE_BATCH_SIZE):
        batch = ReviewPaper.objects.select_for_update().filter(pk__in=pks[start : start + MERGE_BATCH_SIZE])
        locked.extend(batch.order_by("pk"))
    return locked


def refresh_comment_counts(review_papers: list[ReviewPaper]) -> None:
    """Recount the visible comments of each locked ReviewPaper so the lists' filters stay true."""
    for review_paper in review_papers:
        refresh_comments(review_paper)


def review_papers_of(comments) -> set[tuple[int, int]]:
    return set(comments.order_by().values_list("review_id", "paper_id").distinct())


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "review", "paper_arxiv_id", "author", "created_at", "hidden"]
    list_filter = ["review", "hidden"]
    list_select_related = ["review", "paper", "author"]
    search_fields = ["body"]
    date_hierarchy = "created_at"
    fields = [
        "review",
        "paper",
        "author",
        "parent",
        "body",
        "quote",
        "created_at",
        "edited_at",
        "deleted_at",
        "hidden",
    ]
    readonly_fields = [field for field in fields if field != "hidden"]
    actions = ["hide_selected", "unhide_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("paper__search_document", "paper__abstract")

    def has_add_permission(self, request):
        return False  # comments are written on the review pages, by members

    @admin.display(description="comment")
    def excerpt(self, comment):
        if comment.deleted_at:
            return "(deleted by its author)"
        return Truncator(comment.body).chars(80)

    @admin.display(description="paper", ordering="paper__arxiv_id")
    def paper_arxiv_id(self, comment):
        return comment.paper.arxiv_id

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            locked = lock_review_papers({(obj.review_id, obj.paper_id)})
            super().save_model(request, obj, form, change)
            refresh_comment_counts(locked)

    def delete_model(self, request, obj):
        with transaction.atomic():
            locked = lock_review_papers({(obj.review_id, obj.paper_id)})
            super().delete_model(request, obj)
            refresh_comment_counts(locked)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            locked = lock_review_papers(review_papers_of(queryset))
            super().delete_queryset(request, queryset)
            refresh_comment_counts(locked)

    def _set_hidden(self, request, queryset, hidden: bool) -> None:
        with transaction.atomic():
            locked = lock_review_papers(review_papers_of(queryset))
            changed = queryset.filter(hidden=not hidden).update(hidden=hidden)
            refresh_comment_counts(locked)
        verb = "Hid" if hidden else "Unhid"
        self.message_user(request, f"{verb} {changed} comment{'s' * (changed != 1)}.", messages.SUCCESS)

    @admin.action(description="Hide selected comments", permissions=["change"])
    def hide_selected(self, request, queryset):
        self._set_hidden(request, queryset, True)

    @admin.action(description="Unhide selected comments", permissions=["change"])
    def unhide_selected(self, request, queryset):
        self._set_hidden(request, queryset, False)


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "review", "role"]

    def clean(self):
        cleaned = super().clean()
        membership = self.instance  # still as stored: the form's values are copied onto it after clean()
        leaves = cleaned.get("role") != Role.OWNER or cleaned.get("review") != getattr(membership, "review", None)
        # The admin validates and saves in one transaction, so the owner rows stay locked until the save.
        if membership.pk and leaves and Membership.objects.would_leave_no_owner([membership]):
            raise forms.ValidationError(LAST_OWNER_MESSAGE)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who belongs to which review: find a person's reviews by their username.

    As on the settings page, a review's last owner can be neither demoted nor removed.
    """

    form = MembershipAdminForm
    list_display = ["user", "review", "role", "joined_at"]
    list_filter = ["role", "review"]
    list_select_related = ["user", "review"]
    search_fields = ["user__username", "review__title"]
    autocomplete_fields = ["user", "review"]
    actions = ["delete_selected"]

    def delete_view(self, request, object_id, extra_context=None):
        with transaction.atomic():
            membership = self.get_object(request, unquote(object_id))
            if membership is not None and Membership.objects.would_leave_no_owner([membership]):
                self.message_user(request, LAST_OWNER_MESSAGE, messages.ERROR)
                return redirect("admin:reviews_membership_change", membership.pk)
            return super().delete_view(request, object_id, extra_context)

    @admin.action(description=delete_selected_action.short_description, permissions=["delete"])
    def delete_selected(self, request, queryset):
        # Replaces the site-wide action of the same name, to check the owners and delete in one transaction.
        with transaction.atomic():
            if Membership.objects.would_leave_no_owner(queryset):
                self.message_user(request, LAST_OWNER_MESSAGE, messages.ERROR)
                return None
            return delete_selected_action(self, request, queryset)


class AnnotationAdmin(ReadOnlyAdmin):
    list_filter = ["review"]
    search_fields = ["paper__arxiv_id", "user__username"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("paper__search_document", "paper__abstract")

    @admin.display(description="paper", ordering="paper__arxiv_id")
    def paper_arxiv_id(self, annotation):
        return annotation.paper.arxiv_id


@admin.register(ScreeningDecision)
class ScreeningDecisionAdmin(AnnotationAdmin):
    list_display = ["paper_arxiv_id", "review", "user", "decision", "reason", "updated_at"]
    list_filter = ["review", "decision"]
    list_select_related = ["paper", "review", "user", "reason"]


@admin.register(Score)
class ScoreAdmin(AnnotationAdmin):
    list_display = ["paper_arxiv_id", "review", "user", "value", "updated_at"]
    list_filter = ["review", "value"]
    list_select_related = ["paper", "review", "user"]


@admin.register(PaperTag)
class PaperTagAdmin(AnnotationAdmin):
    list_display = ["paper_arxiv_id", "tag", "review", "applied_by", "applied_at"]
    list_select_related = ["paper", "tag", "review", "applied_by"]
    search_fields = ["paper__arxiv_id", "tag__name", "applied_by__username"]
