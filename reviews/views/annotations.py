"""Tags, scores and screening decisions: each a POST that changes one section of a paper's panel.

Each view reads: access check, form, then ``annotate`` makes one call to reviews.annotating and answers. Scores
and decisions let any member through to annotating, whose refusal names the member's role as it is now, so
someone whose role changed mid-screen reads why in the panel rather than on an error page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, When
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from config.htmx import HtmxHttpRequest

from .. import annotating
from ..access import get_annotating_membership, get_membership
from ..forms import DecisionForm, ScoreForm, TagForm, first_error
from ..models import Tag, tag_key
from . import screening
from .panels import Section
from .responses import annotate, annotation_response

# As many as a datalist shows at once without scrolling far.
TAG_SUGGESTIONS = 20
# Of a refused tag name, at most this much is put back in the box.
TAG_TYPED_SHOWN = 500


@login_required
@require_POST
def tag_add(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    form = TagForm(request.POST)
    return annotate(
        request, membership, paper_id, Section.TAGS, form,
        lambda data: annotating.apply_tag(membership, paper_id, data["name"]),
        # A refused name stays in the box, to be corrected rather than typed again.
        tag_typed=request.POST.get("name", "")[:TAG_TYPED_SHOWN],
    )  # fmt: skip


@login_required
@require_POST
def tag_remove(request: HtmxHttpRequest, slug: str, paper_id: int, tag_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    return annotate(
        request, membership, paper_id, Section.TAGS, None,
        lambda data: annotating.remove_tag(membership, paper_id, tag_id),
    )  # fmt: skip


@login_required
@require_GET
def tag_suggestions(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The review's tags containing what is typed (those starting with it first), for the tag box's datalist."""
    membership = get_annotating_membership(request.user, slug)
    typed = tag_key(request.GET.get("name", "")[: TagForm.base_fields["name"].max_length])
    tags = Tag.objects.filter(review=membership.review, normalised_name__contains=typed).order_by(
        Case(When(normalised_name__startswith=typed, then=0), default=1), "normalised_name"
    )
    return render(request, "reviews/_tag_suggestions.html", {"tags": tags[:TAG_SUGGESTIONS]})


@login_required
@require_POST
def score(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    membership = get_membership(request.user, slug)
    form = ScoreForm(request.POST)
    return annotate(
        request, membership, paper_id, Section.SCORE, form,
        lambda data: annotating.set_score(membership, paper_id, data["value"]),
    )  # fmt: skip


@login_required
@require_POST
def decide(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    membership = get_membership(request.user, slug)
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise annotating.Refused(first_error(form))
        data = form.cleaned_data
        reopened = annotating.decide(membership, paper_id, data["decision"], data["reason"])
    except annotating.Refused as refusal:
        return annotation_response(request, membership, paper_id, Section.DECISION, refusal=refusal)
    notice = reopened_notice(reopened)
    if screening.is_screening_mode(request, membership):
        return screening.after_decision(request, membership, paper_id, data, notice)
    if notice and not request.htmx:
        messages.info(request, notice)
    return annotation_response(request, membership, paper_id, Section.DECISION, notice=notice)


def reopened_notice(reopened) -> str:
    if reopened is None:
        return ""
    resolver = reopened.resolved_by or "a former member"
    if not getattr(reopened, "still_in_conflict", True):
        return (
            f"Your change set aside the final decision {resolver} made ({reopened.decision}): the votes now agree, "
            "so what they agree on is final."
        )
    return (
        f"Your change reopened the conflict {resolver} resolved as {reopened.decision}; it goes back to the resolvers."
    )
