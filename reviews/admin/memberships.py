"""Memberships, with the rule that a review always keeps an owner."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as delete_selected_action
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.shortcuts import redirect

from ..models import (
    LAST_OWNER_MESSAGE,
    Membership,
    Role,
)
from .widgets import CheckedAutocompleteMixin


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
class MembershipAdmin(CheckedAutocompleteMixin, admin.ModelAdmin):
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
