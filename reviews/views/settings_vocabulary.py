"""The settings page's vocabulary: the review's tags and its exclusion reasons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from ..access import get_owner_membership
from ..models import ExclusionReason, Tag
from ..settings_forms import ExclusionReasonForm, TagDeleteForm, VocabularyTagForm
from .settings import redirect_to_settings, render_settings_page


def save_or_report(form, unique_message: str) -> bool:
    """Save a valid form; a unique constraint lost to a concurrent request becomes a form error, not a 500."""
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        form.add_error(None, unique_message)
        return False
    return True


@login_required
@require_POST
def tag_create(request, slug: str):
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    form = VocabularyTagForm(request.POST, instance=Tag(review=review, created_by=request.user), auto_id="tag-add-%s")
    if form.is_valid() and save_or_report(form, "A tag with this name was just added."):
        messages.success(request, f"Added the tag “{form.instance.name}”.")
        return redirect_to_settings(review, "tags")
    return render_settings_page(request, membership, tag_add_form=form, status=422)


@login_required
@require_POST
def tag_edit(request, slug: str, tag_id: int):
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    tag = get_object_or_404(Tag, pk=tag_id, review=review)
    form = VocabularyTagForm(request.POST, instance=tag, auto_id=f"tag-{tag.pk}-%s")
    if form.is_valid() and save_or_report(form, "Another tag with this name was just added."):
        messages.success(request, f"Saved the tag “{tag.name}”.")
        return redirect_to_settings(review, f"tag-{tag.pk}")
    return render_settings_page(request, membership, tag_forms={tag.pk: form}, status=422)


@login_required
@require_POST
def tag_delete(request, slug: str, tag_id: int):
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    tag = get_object_or_404(Tag, pk=tag_id, review=review)
    form = TagDeleteForm(request.POST, auto_id=f"tag-{tag.pk}-delete-%s")
    if not form.is_valid():
        return render_settings_page(request, membership, tag_delete_forms={tag.pk: form}, status=422)
    with transaction.atomic():
        usage = tag.paper_tags.count()
        tag.delete()  # its PaperTags go with it (on_delete=CASCADE)
    messages.success(request, f"Deleted the tag “{tag.name}” and removed it from {usage} paper{'s' * (usage != 1)}.")
    return redirect_to_settings(review, "tags")


@login_required
@require_POST
def reason_create(request, slug: str):
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    form = ExclusionReasonForm(request.POST, instance=ExclusionReason(review=review), auto_id="reason-add-%s")
    if form.is_valid() and save_or_report(form, "This reason was just added."):
        messages.success(request, f"Added the exclusion reason “{form.instance.label}”.")
        return redirect_to_settings(review, "reasons")
    return render_settings_page(request, membership, reason_add_form=form, status=422)


@login_required
@require_POST
def reason_edit(request, slug: str, reason_id: int):
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    reason = get_object_or_404(ExclusionReason, pk=reason_id, review=review)
    form = ExclusionReasonForm(request.POST, instance=reason, auto_id=f"reason-{reason.pk}-%s")
    if form.is_valid() and save_or_report(form, "Another reason with this label was just added."):
        messages.success(request, f"Saved the exclusion reason “{reason.label}”.")
        return redirect_to_settings(review, "reasons")
    return render_settings_page(request, membership, reason_forms={reason.pk: form}, status=422)


@login_required
@require_POST
def reason_delete(request, slug: str, reason_id: int):
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    reason = get_object_or_404(ExclusionReason, pk=reason_id, review=review)
    # Decisions that gave this reason stay exclusions, now without a reason (on_delete=SET_NULL).
    reason.delete()
    messages.success(
        request, f"Deleted the exclusion reason “{reason.label}”. Decisions that gave it keep their decision."
    )
    return redirect_to_settings(review, "reasons")
