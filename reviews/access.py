"""Who may see and do what in a review. Every review view calls one of these first."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, ReviewPaper


def get_membership(user, slug: str) -> Membership:
    """The user's membership of the review ``slug``; 404 for outsiders, so a review's existence stays private."""
    if not user.is_authenticated:
        raise Http404("No such review")
    try:
        return Membership.objects.select_related("review", "user").get(review__slug=slug, user=user)
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


class PaperNotInReview(Exception):
    """The paper a request names is not (or no longer) part of the review."""


def get_review_paper(membership: Membership, paper_id: int, *, for_update: bool = False) -> ReviewPaper:
    """The review's row for ``paper_id``; ``for_update`` locks it so concurrent annotations queue up."""
    queryset = ReviewPaper.objects.select_related("paper")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(review=membership.review, paper_id=paper_id)
    except ReviewPaper.DoesNotExist:
        raise PaperNotInReview from None
