"""Who may see and do what in a review. Every review view calls one of these first."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Comment, Membership


def get_membership(user, slug: str) -> Membership:
    """The user's membership of the review ``slug``; 404 for outsiders, so a review's existence stays private."""
    if not user.is_authenticated:
        raise Http404("No such review")
    try:
        return Membership.objects.select_related("review", "user", "user__screening_preferences").get(
            review__slug=slug, user=user
        )
    except Membership.DoesNotExist:
        raise Http404("No such review") from None


def get_annotating_membership(user, slug: str) -> Membership:
    """As get_membership, but observers (who only read) get 403."""
    membership = get_membership(user, slug)
    if not membership.can_annotate:
        raise PermissionDenied("Observers can read this review but not annotate it.")
    return membership


def get_owner_membership(user, slug: str) -> Membership:
    membership = get_membership(user, slug)
    if not membership.is_owner:
        raise PermissionDenied("Only the review's owners can change its settings.")
    return membership


def get_own_comment(membership: Membership, comment_id: int) -> Comment:
    """A standing comment of the review written by the member; 404 for any other id, 403 for others' comments."""
    comment = get_object_or_404(Comment.objects.counted(), pk=comment_id, review_id=membership.review_id)
    if comment.author_id != membership.user_id:
        raise PermissionDenied("You can only change your own comments.")
    return comment
