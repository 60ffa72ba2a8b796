"""Tags, scores and screening decisions: each a POST that changes one section of a paper's panel.

Each view reads: access check, form, one call to reviews.annotating, response.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Case, When
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from config.htmx import HtmxHttpRequest

from .. import annotating
from ..access import get_annotating_membership
from ..annotating import Refused
from ..forms import DecisionForm, ScoreForm, TagForm, first_error
from ..models import Tag, tag_key
from .panels import Section
from .responses import annotation_response

# As many as a datalist shows at once without scrolling far.
TAG_SUGGESTIONS = 20


@login_required
@require_POST
def tag_add(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    form = TagForm(request.POST)
    try:
        if not form.is_valid():
            raise Refused(first_error(form))
        annotating.apply_tag(membership, paper_id, form.cleaned_data["name"])
    except Refused as refusal:
        return annotation_response(request, membership, paper_id, Section.TAGS, refusal=refusal)
    return annotation_response(request, membership, paper_id, Section.TAGS)


@login_required
@require_POST
def tag_remove(request: HtmxHttpRequest, slug: str, paper_id: int, tag_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    try:
        annotating.remove_tag(membership, paper_id, tag_id)
    except Refused as refusal:
        return annotation_response(request, membership, paper_id, Section.TAGS, refusal=refusal)
    return annotation_response(request, membership, paper_id, Section.TAGS)


@login_required
@require_GET
def tag_suggestions(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The review's tags containing what is typed (those starting with it first), for the tag box's datalist."""
    membership = get_annotating_membership(request.user, slug)
    form = TagForm(request.GET)
    typed = tag_key(form.data.get("name", "")[: TagForm.base_fields["name"].max_length])
    tags = Tag.objects.filter(review=membership.review, normalised_name__contains=typed).order_by(
        Case(When(normalised_name__startswith=typed, then=0), default=1), "normalised_name"
    )
    return render(request, "reviews/_tag_suggestions.html", {"tags": tags[:TAG_SUGGESTIONS]})


@login_required
@require_POST
def score(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    form = ScoreForm(request.POST)
    try:
        if not form.is_valid():
            raise Refused(first_error(form))
        annotating.set_score(membership, paper_id, form.cleaned_data["value"])
    except Refused as refusal:
        return annotation_response(request, membership, paper_id, Section.SCORE, refusal=refusal)
    return annotation_response(request, membership, paper_id, Section.SCORE)


@login_required
@require_POST
def decide(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    form = DecisionForm(request.POST, review=membership.review)
    try:
        if not form.is_valid():
            raise Refused(first_error(form))
        annotating.decide(membership, paper_id, form.cleaned_data["decision"], form.cleaned_data["reason"])
    except Refused as refusal:
        return annotation_response(request, membership, paper_id, Section.DECISION, refusal=refusal)
    return annotation_response(request, membership, paper_id, Section.DECISION)
