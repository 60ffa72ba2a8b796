"""Screening mode: one paper at a time, the next that needs my decision, with my progress and an undo."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from config.htmx import HtmxHttpRequest

from .. import annotating, priority, screening
from ..access import get_membership
from ..keywords import ReviewKeywords
from ..models import DecisionChoice, ExclusionReason, Membership, ScreeningPreferences
from ..resolution_forms import ScreenQueryForm
from .panels import load_panel, panel_context

TEMPLATE = "reviews/screen.html"


def screen_url(membership: Membership, paper_id: int | None = None, *, after: int | None = None) -> str:
    url = reverse("reviews:screen", args=[membership.review.slug])
    if paper_id:
        return f"{url}?paper={paper_id}"
    return f"{url}?after={after}" if after else url


def is_screening_mode(request: HtmxHttpRequest, membership: Membership) -> bool:
    """Whether an annotation POST came from the screening page (its forms send it as ``next``)."""
    return request.POST.get("next", "").split("#", 1)[0] == screen_url(membership)


@login_required
@require_GET
@vary_on_headers("HX-Request")
@never_cache
def screen(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    if not membership.can_screen:
        return render(request, TEMPLATE, {"review": membership.review, "membership": membership}, status=403)
    query = ScreenQueryForm(request.GET)
    return screen_response(request, membership, query.value("paper"), after=query.value("after"))


def screen_response(
    request: HtmxHttpRequest,
    membership: Membership,
    paper_id: int | None = None,
    *,
    after: int | None = None,
    status: int = 200,
    **extra,
) -> HttpResponse:
    """The screening page (or, for htmx, its #screen fragment) showing ``paper_id``, else the next paper that
    needs the member (``after`` the one just decided)."""
    assigned = screening.uses_assignments(membership)
    order = None
    if membership.can_screen and membership.review.screen_by_priority:
        order = priority.order_for(membership)
    review_paper = None
    if paper_id is not None:
        review_paper = load_panel(membership, paper_id)
    next_id = None
    if review_paper is None:
        next_id = screening.next_for(membership, assigned=assigned, after=after, order=order)
    if next_id is not None:
        review_paper = load_panel(membership, next_id)
    context = {
        "review": membership.review,
        "membership": membership,
        "progress": screening.progress_of(membership, assigned=assigned),
        "preferences": ScreeningPreferences.for_user(membership.user),
        "next_url": screen_url(membership),
        "priority_order": order,
        **extra,
    }
    if review_paper is not None:
        context.update(panel_context(membership, review_paper, keywords=ReviewKeywords.of(membership.review)))
        if order is not None and order.ready:
            context["priority_place"] = order.place_of(review_paper)
    if request.htmx:
        response = render(request, f"{TEMPLATE}#screen", context, status=status)
        return reswap(retarget(response, "#screen"), "outerHTML")
    return render(request, TEMPLATE, context, status=status)


def after_decision(
    request: HtmxHttpRequest, membership: Membership, paper_id: int, data: dict, notice: str = ""
) -> HttpResponse:
    """Answer a decision made in screening mode: the next paper, or the same one while it waits for an
    exclusion's reason (or was cleared)."""
    waits_for_reason = (
        data["decision"] == DecisionChoice.EXCLUDE
        and not data["reason"]
        and ExclusionReason.objects.filter(review_id=membership.review_id).exists()
    )
    stay = waits_for_reason or not data["decision"]
    if request.htmx:
        return screen_response(request, membership, paper_id if stay else None, after=paper_id, screen_notice=notice)
    if notice:
        messages.info(request, notice)
    return HttpResponseRedirect(screen_url(membership, paper_id) if stay else screen_url(membership, after=paper_id))


@login_required
@require_POST
def screen_undo(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    try:
        paper_id = annotating.undo_last_decision(membership)
    except annotating.Refused as refusal:
        if request.htmx:
            return screen_response(request, membership, status=refusal.status, screen_notice=refusal.message)
        messages.error(request, refusal.message)
        return HttpResponseRedirect(membership.review.get_absolute_url())
    notice = "Your last decision was undone." if paper_id else "There is no decision of yours to undo."
    if request.htmx:
        return screen_response(request, membership, paper_id, screen_notice=notice)
    messages.info(request, notice)
    return HttpResponseRedirect(screen_url(membership, paper_id))
