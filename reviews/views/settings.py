"""The owner's settings page: the review's details, screening rules and members (tags, reasons:
settings_vocabulary.py).

Every change is a plain form POST that redirects back (Post/Redirect/Get), made by reviews/configuring.py (which
records it in the history); a refused one re-renders the page with the errors beside the form that caused them
and a 422, having saved nothing.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import configuring
from ..access import get_owner_membership
from ..annotating import Refused
from ..import_forms import ScreeningImportForm
from ..models import MAX_PENDING_INVITATIONS, ExclusionReason, Invitation, Membership, Role, Tag
from ..owner_forms import InvitationForm
from ..settings_forms import (
    ExclusionReasonForm,
    MemberAddForm,
    MemberRoleForm,
    PrioritySettingsForm,
    ReviewDetailsForm,
    ScreeningSettingsForm,
    TagDeleteForm,
    VocabularyTagForm,
)


def settings_url(review, section: str = "") -> str:
    url = reverse("reviews:settings", args=[review.slug])
    return f"{url}#{section}" if section else url


def redirect_to_settings(review, section: str) -> HttpResponseRedirect:
    return redirect(settings_url(review, section))


def render_settings_page(request: HttpRequest, membership: Membership, *, status: int = 200, **bound) -> HttpResponse:
    """The whole page. ``bound`` holds forms that failed validation, shown in place of fresh ones.

    Row forms go in dicts keyed by the row's pk: ``member_forms``, ``tag_forms``, ``tag_delete_forms``,
    ``reason_forms``.
    """
    review = membership.review
    members = list(review.memberships.select_related("user").order_by("user__username"))
    tags = list(Tag.objects.filter(review=review).with_usage())
    reasons = list(ExclusionReason.objects.filter(review=review).annotate(decision_count=Count("screeningdecision")))
    invitations = list(Invitation.objects.filter(review=review).pending().select_related("invited_by"))
    for invitation in invitations:
        invitation.link = request.build_absolute_uri(invitation.get_absolute_url())
    for member in members:
        member.form = bound.get("member_forms", {}).get(member.pk) or MemberRoleForm(
            initial={"role": member.role}, auto_id=f"member-{member.pk}-%s"
        )
    for tag in tags:
        tag.form = bound.get("tag_forms", {}).get(tag.pk) or VocabularyTagForm(instance=tag, auto_id=f"tag-{tag.pk}-%s")
        tag.delete_form = bound.get("tag_delete_forms", {}).get(tag.pk) or TagDeleteForm(
            auto_id=f"tag-{tag.pk}-delete-%s"
        )
    for reason in reasons:
        reason.form = bound.get("reason_forms", {}).get(reason.pk) or ExclusionReasonForm(
            instance=reason, auto_id=f"reason-{reason.pk}-%s"
        )
    context = {
        "review": review,
        "membership": membership,
        "details_form": bound.get("details_form") or ReviewDetailsForm(instance=review, auto_id="details-%s"),
        "screening_form": bound.get("screening_form") or ScreeningSettingsForm(instance=review, auto_id="screening-%s"),
        "priority_form": bound.get("priority_form") or PrioritySettingsForm(instance=review, auto_id="priority-%s"),
        "member_add_form": bound.get("member_add_form") or MemberAddForm(review=review, auto_id="member-add-%s"),
        "tag_add_form": bound.get("tag_add_form")
        or VocabularyTagForm(instance=Tag(review=review), auto_id="tag-add-%s"),
        "reason_add_form": bound.get("reason_add_form")
        or ExclusionReasonForm(instance=ExclusionReason(review=review), auto_id="reason-add-%s"),
        "members": members,
        "invitation_form": bound.get("invitation_form") or InvitationForm(auto_id="invite-%s"),
        "invitations": invitations,
        "max_pending_invitations": MAX_PENDING_INVITATIONS,
        "tags": tags,
        "reasons": reasons,
        "screening_import_form": bound.get("screening_import_form")
        or ScreeningImportForm(review=review, auto_id="import-%s"),
    }
    return render(request, "reviews/review_settings.html", context, status=status)


@login_required
@require_GET
def review_settings(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    return render_settings_page(request, membership)


@login_required
@require_POST
def details_save(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    # A copy, because an invalid form still writes its data onto the instance, and the page shows the real title.
    form = ReviewDetailsForm(request.POST, instance=copy.copy(membership.review), auto_id="details-%s")
    if not form.is_valid():
        return render_settings_page(request, membership, details_form=form, status=422)
    configuring.change_settings(membership, form.cleaned_data)
    messages.success(request, "Saved the review’s details.")
    return redirect_to_settings(membership.review, "details")


@login_required
@require_POST
def screening_save(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    form = ScreeningSettingsForm(request.POST, instance=copy.copy(membership.review), auto_id="screening-%s")
    changed = []
    if form.is_valid():
        try:
            changed = configuring.change_settings(membership, form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
    if form.errors:
        return render_settings_page(request, membership, screening_form=form, status=422)
    if changed:
        labels = ", ".join(str(form.fields[name].label).lower() for name in changed)
        messages.success(request, f"Saved the screening settings ({labels}).")
    else:
        messages.success(request, "The screening settings were already so; nothing changed.")
    return redirect_to_settings(membership.review, "screening")


@login_required
@require_POST
def priority_save(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    form = PrioritySettingsForm(request.POST, instance=copy.copy(membership.review), auto_id="priority-%s")
    if not form.is_valid():
        return render_settings_page(request, membership, priority_form=form, status=422)
    if configuring.change_settings(membership, form.cleaned_data):
        messages.success(request, "Saved the priority order settings.")
    else:
        messages.success(request, "The priority order settings were already so; nothing changed.")
    return redirect_to_settings(membership.review, "priority")


@login_required
@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    form = MemberAddForm(request.POST, review=review, auto_id="member-add-%s")
    if form.is_valid():
        user, role = form.cleaned_data["user"], form.cleaned_data["role"]
        try:
            configuring.add_member(membership, user, role)
        except Refused as refusal:
            # Another owner added them in the meantime.
            form.add_error("username", refusal.message)
        else:
            messages.success(request, f"Added {user} as {Role(role).label.lower()}.")
            return redirect_to_settings(review, "members")
    return render_settings_page(request, membership, member_add_form=form, status=422)


def after_own_change(request: HttpRequest, membership: Membership, target: Membership, section: str) -> HttpResponse:
    """Back to the settings page, unless the owner just removed or demoted themselves out of it."""
    review = membership.review
    if target.user_id != request.user.pk:
        return redirect_to_settings(review, section)
    if target.pk is None:
        return redirect("reviews:home")
    if target.role != Role.OWNER:
        return redirect(review.get_absolute_url())
    return redirect_to_settings(review, section)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    form = MemberRoleForm(request.POST, auto_id=f"member-{membership_id}-%s")
    target = None
    if form.is_valid():
        try:
            target = configuring.change_role(membership, membership_id, form.cleaned_data["role"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
    if form.errors:
        if not Membership.objects.filter(pk=membership_id, review_id=membership.review_id).exists():
            raise Http404("No such member")
        return render_settings_page(request, membership, member_forms={membership_id: form}, status=422)
    if target is None:
        raise Http404("No such member")
    messages.success(request, f"{target.user} is now {target.get_role_display().lower()}.")
    return after_own_change(request, membership, target, "members")


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    try:
        # Their tags, scores, decisions and comments stay: they are the team's record of the screening.
        target = configuring.remove_member(membership, membership_id)
    except Refused as refusal:
        target = Membership.objects.get(pk=membership_id, review_id=membership.review_id)
        form = MemberRoleForm({"role": target.role}, auto_id=f"member-{target.pk}-%s")
        form.is_valid()
        form.add_error(None, refusal.message)
        return render_settings_page(request, membership, member_forms={target.pk: form}, status=422)
    if target is None:
        raise Http404("No such member")
    messages.success(request, f"Removed {target.user} from the review. Their annotations stay.")
    return after_own_change(request, membership, target, "members")
