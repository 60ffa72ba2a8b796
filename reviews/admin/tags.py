"""Tags, and merging several into one."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import F
from django.template.response import TemplateResponse
from django.utils.html import format_html

from ..models import Tag
from .widgets import CheckedAutocompleteMixin


class TagMergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=Tag.objects.none(), widget=forms.RadioSelect, empty_label=None, label="Keep this tag"
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = tags
        self.fields["survivor"].label_from_instance = lambda tag: (
            f"{tag.name} (on {tag.usage_count} paper{'s' * (tag.usage_count != 1)})"
        )


@admin.register(Tag)
class TagAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "review", "colour_swatch", "usage_count"]
    list_filter = ["review"]
    list_select_related = ["review"]
    search_fields = ["name"]
    autocomplete_fields = ["review", "created_by"]
    readonly_fields = ["normalised_name", "created_at"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_usage().annotate(usage_count=F("usage"))

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
            moved, dropped = survivor.merge(others)
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
