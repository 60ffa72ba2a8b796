"""Tags, scores and screening decisions: each a POST that changes one part of a paper's panel."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.views.decorators.http import require_POST

from ..access import PaperNotInReview, get_annotating_membership, get_review_paper
from ..forms import DecisionForm, ScoreForm, TagForm
from ..models import PaperTag, Score, ScreeningDecision, Tag
from ..summaries import refresh_decisions, refresh_scores
from .responses import annotation_response, first_error, paper_gone_response


@login_required
@require_POST
def tag_add(request, slug: str, paper_id: int):
    membership = get_annotating_membership(request.user, slug)
    review = membership.review
    form = TagForm(request.POST)
    with transaction.atomic():
        try:
            review_paper = get_review_paper(membership, paper_id, for_update=True)
        except PaperNotInReview:
            return paper_gone_response(request, membership)
        if not form.is_valid():
            return annotation_response(request, membership, review_paper, "tags", error=first_error(form), status=422)
        name = " ".join(form.cleaned_data["name"].split())
        if review.allow_new_tags or membership.is_owner:
            tag, _ = Tag.objects.get_or_create_named(review, name, user=request.user)
        elif (tag := Tag.objects.named(review, name).first()) is None:
            return annotation_response(
                request,
                membership,
                review_paper,
                "tags",
                error=f"There is no tag “{name}”, and new tags are turned off in this review.",
                status=422,
            )
        PaperTag.objects.get_or_create(
            review=review, paper_id=review_paper.paper_id, tag=tag, defaults={"applied_by": request.user}
        )
    return annotation_response(request, membership, review_paper, "tags")


@login_required
@require_POST
def tag_remove(request, slug: str, paper_id: int, tag_id: int):
    membership = get_annotating_membership(request.user, slug)
    with transaction.atomic():
        try:
            review_paper = get_review_paper(membership, paper_id, for_update=True)
        except PaperNotInReview:
            return paper_gone_response(request, membership)
        PaperTag.objects.filter(review=membership.review, paper_id=review_paper.paper_id, tag_id=tag_id).delete()
    return annotation_response(request, membership, review_paper, "tags")


@login_required
@require_POST
def score(request, slug: str, paper_id: int):
    membership = get_annotating_membership(request.user, slug)
    form = ScoreForm(request.POST)
    with transaction.atomic():
        try:
            review_paper = get_review_paper(membership, paper_id, for_update=True)
        except PaperNotInReview:
            return paper_gone_response(request, membership)
        if not form.is_valid():
            return annotation_response(request, membership, review_paper, "score", error=first_error(form), status=422)
        mine = {"review": membership.review, "paper_id": review_paper.paper_id, "user": request.user}
        value = form.cleaned_data["value"]
        if value is None:
            Score.objects.filter(**mine).delete()
        else:
            Score.objects.update_or_create(**mine, defaults={"value": value})
        refresh_scores(review_paper)
    return annotation_response(request, membership, review_paper, "score")


@login_required
@require_POST
def decide(request, slug: str, paper_id: int):
    membership = get_annotating_membership(request.user, slug)
    form = DecisionForm(request.POST, review=membership.review)
    with transaction.atomic():
        try:
            review_paper = get_review_paper(membership, paper_id, for_update=True)
        except PaperNotInReview:
            return paper_gone_response(request, membership)
        if not form.is_valid():
            return annotation_response(
                request, membership, review_paper, "decision", error=first_error(form), status=422
            )
        mine = {"review": membership.review, "paper_id": review_paper.paper_id, "user": request.user}
        decision = form.cleaned_data["decision"]
        if not decision:
            ScreeningDecision.objects.filter(**mine).delete()
        else:
            ScreeningDecision.objects.update_or_create(
                **mine, defaults={"decision": decision, "reason": form.cleaned_data["reason"]}
            )
        refresh_decisions(review_paper)
    return annotation_response(request, membership, review_paper, "decision")
