"""Invitations by e-mail address: owners make, list and revoke them in the settings page; anyone with the link
opens it, logged in (to join) or not (to make an account and join).

No e-mail is sent: the owner copies the link and passes it on however they like.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..access import get_owner_membership
from ..models import Invitation, InvitationRefused, Membership, Role
from ..owner_forms import InvitationForm, JoinForm
from .settings import redirect_to_settings, render_settings_page


@login_required
@require_POST
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    form = InvitationForm(request.POST, auto_id="invite-%s")
    if form.is_valid():
        try:
            invitation = Invitation.objects.invite(
                review, form.cleaned_data["email"], form.cleaned_data["role"], invited_by=request.user
            )
        except InvitationRefused as refusal:
            form.add_error("email", refusal.message)
        else:
            messages.success(
                request,
                f"Invited {invitation.email} as {Role(invitation.role).label.lower()}: copy their link from the "
                "pending invitations and send it to them. It works once, for 14 days.",
            )
            return redirect_to_settings(review, "invitations")
    return render_settings_page(request, membership, invitation_form=form, status=422)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    invitation = get_object_or_404(Invitation, pk=invitation_id, review=membership.review)
    invitation.revoke()
    messages.success(request, f"Revoked the invitation of {invitation.email}; its link no longer works.")
    return redirect_to_settings(membership.review, "invitations")


@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    # The token is the permission: anyone holding a pending invitation's link may use it.
    invitation = Invitation.objects.select_related("review", "invited_by").filter(token=token).first()
    if invitation is None:
        return unusable(request, "This invitation link is not valid. Check that you copied all of it.", status=404)
    if problem := invitation.problem:
        return unusable(request, problem, invitation=invitation)
    if request.user.is_authenticated:
        if request.method == "POST":
            return accept(request, invitation, request.user)
        membership = Membership.objects.filter(review=invitation.review, user=request.user).first()
        return render(request, "reviews/invitation.html", {"invitation": invitation, "membership": membership})
    form = JoinForm(request.POST if request.method == "POST" else None, email=invitation.email, auto_id="join-%s")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            # An invitation used up meanwhile rolls the new account back too.
            response = accept(request, invitation, user)
            if response.status_code != 302:
                transaction.set_rollback(True)
                return response
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return response
    status = 422 if form.errors else 200
    return render(request, "reviews/invitation.html", {"invitation": invitation, "form": form}, status=status)


def accept(request: HttpRequest, invitation: Invitation, user) -> HttpResponse:
    try:
        membership, joined = invitation.accept(user)
    except InvitationRefused as refusal:
        return unusable(request, refusal.message, invitation=invitation)
    review, role = membership.review, membership.get_role_display().lower()
    if joined:
        messages.success(request, f"Welcome to “{review.title}”: you joined as {role}.")
    else:
        messages.info(
            request,
            f"You were already a member of “{review.title}”, as {role}; the invitation is left for {invitation.email}.",
        )
    return redirect(review.get_absolute_url())


def unusable(request: HttpRequest, problem: str, *, invitation: Invitation | None = None, status: int = 410):
    context = {"problem": problem, "invitation": invitation}
    return render(request, "reviews/invitation_unusable.html", context, status=status)
