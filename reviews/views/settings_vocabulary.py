"""The settings page's vocabulary: the review's tags and its exclusion reasons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from ..access import get_owner_membership
from ..models import ExclusionReason, Tag
from ..settings_forms import ExclusionReasonForm, TagDeleteForm, VocabularyTagForm
from .settings import redirect_to_settings, render_settings_page


def save_and_answer(
    request: HttpRequest, membership, form, *, saved: str, lost_race: str, section: str, bound: dict
) -> HttpResponse:
    """Save a valid form and go back to ``section`` saying ``saved`` (formatted with the row); otherwise the page
    with the form, as ``bound`` places it, showing its errors. A unique name lost to a concurrent request is one."""
    if form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:
            form.add_error(None, lost_race)
        else:
            messages.success(request, saved.format(form.instance))
            return redirect_to_settings(membership.review, section)
    return render_settings_page(request, membership, status=422, **bound)


@login_required
@require_POST
def tag_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    tag = Tag(review=membership.review, created_by=request.user)
    form = VocabularyTagForm(request.POST, instance=tag, auto_id="tag-add-%s")
    return save_and_answer(
        request, membership, form, saved="Added the tag “{}”.", lost_race="A tag with this name was just added.",
        section="tags", bound={"tag_add_form": form},
    )  # fmt: skip


@login_required
@require_POST
def tag_edit(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    tag = get_object_or_404(Tag, pk=tag_id, review=membership.review)
    form = VocabularyTagForm(request.POST, instance=tag, auto_id=f"tag-{tag.pk}-%s")
    return save_and_answer(
        request, membership, form, saved="Saved the tag “{}”.", lost_race="Another tag with this name was just added.",
        section=f"tag-{tag.pk}", bound={"tag_forms": {tag.pk: form}},
    )  # fmt: skip


@login_required
@require_POST
def tag_delete(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    tag = get_object_or_404(Tag, pk=tag_id, review=review)
    form = TagDeleteForm(request.POST, auto_id=f"tag-{tag.pk}-delete-%s")
    if not form.is_valid():
        return render_settings_page(request, membership, tag_delete_forms={tag.pk: form}, status=422)
    with transaction.atomic():
        usage = tag.paper_tags.values("paper").distinct().count()
        tag.delete()  # its PaperTags go with it (on_delete=CASCADE)
    messages.success(request, f"Deleted the tag “{tag.name}” and removed it from {usage} paper{'s' * (usage != 1)}.")
    return redirect_to_settings(review, "tags")


@login_required
@require_POST
def reason_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    reason = ExclusionReason(review=membership.review)
    form = ExclusionReasonForm(request.POST, instance=reason, auto_id="reason-add-%s")
    return save_and_answer(
        request, membership, form, saved="Added the exclusion reason “{}”.", lost_race="This reason was just added.",
        section="reasons", bound={"reason_add_form": form},
    )  # fmt: skip


@login_required
@require_POST
def reason_edit(request: HttpRequest, slug: str, reason_id: int) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    reason = get_object_or_404(ExclusionReason, pk=reason_id, review=membership.review)
    form = ExclusionReasonForm(request.POST, instance=reason, auto_id=f"reason-{reason.pk}-%s")
    return save_and_answer(
        request, membership, form, saved="Saved the exclusion reason “{}”.",
        lost_race="Another reason with this label was just added.", section="reasons",
        bound={"reason_forms": {reason.pk: form}},
    )  # fmt: skip


@login_required
@require_POST
def reason_delete(request: HttpRequest, slug: str, reason_id: int) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    reason = get_object_or_404(ExclusionReason, pk=reason_id, review=review)
    # Decisions that gave this reason stay exclusions, now without a reason (on_delete=SET_NULL).
    reason.delete()
    messages.success(
        request, f"Deleted the exclusion reason “{reason.label}”. Decisions that gave it keep their decision."
    )
    return redirect_to_settings(review, "reasons")
