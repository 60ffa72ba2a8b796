"""Tags, and merging several into one."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import OuterRef
from django.template.response import TemplateResponse
from django.utils.html import format_html

from ..models import (
    PaperTag,
    Tag,
)
from ..querysets import count_of

# Ids per query when moving or deleting assignments, well under SQLite's limit on query parameters.
MERGE_BATCH_SIZE = 500


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
