"""Owners share the review's papers among reviewers, and see each one's load and progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.htmx import HtmxHttpRequest

from .. import assigning
from ..access import get_owner_membership
from ..annotating import Refused
from ..forms import first_error
from ..models import Assignment, Membership, Role, ScreeningDecision
from ..resolution_forms import AssignmentForm

TEMPLATE = "reviews/assignments.html"


def screeners_of(membership: Membership):
    return list(
        Membership.objects.filter(review_id=membership.review_id, role__in=[Role.OWNER, Role.REVIEWER])
        .select_related("user")
        .order_by("user__username")
    )


def loads(membership: Membership) -> list[dict]:
    """Each member's assigned papers, and how many of them they have screened (two queries)."""
    review_id = membership.review_id
    screened = Exists(
        ScreeningDecision.objects.filter(review_id=review_id, paper=OuterRef("paper"), user=OuterRef("user"))
    )
    counts = {
        row["user"]: row
        for row in Assignment.objects.filter(review_id=review_id)
        .values("user")
        .annotate(assigned=Count("pk"), screened=Count("pk", filter=Q(screened)))
    }
    members = Membership.objects.filter(review_id=review_id).select_related("user").order_by("user__username")
    return [
        {"membership": m, **counts.get(m.user_id, {"assigned": 0, "screened": 0})}
        for m in members
        if m.can_screen or m.user_id in counts
    ]


@login_required
@require_GET
@never_cache
def assignments(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    screeners = screeners_of(membership)
    form = AssignmentForm(
        initial={"per_paper": membership.review.required_screeners, "screeners": [str(m.pk) for m in screeners]},
        members=screeners,
    )
    return render_page(request, membership, form)


def render_page(request, membership, form, *, status: int = 200, error: str = "") -> HttpResponse:
    context = {"review": membership.review, "membership": membership, "form": form, "loads": loads(membership)}
    context["error"] = error
    context["any_assigned"] = any(row["assigned"] for row in context["loads"])
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_POST
def assignments_save(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    form = AssignmentForm(request.POST, members=screeners_of(membership))
    try:
        if not form.is_valid():
            raise Refused(first_error(form))
        data = form.cleaned_data
        assigned = assigning.assign_papers(
            membership,
            [int(pk) for pk in data["screeners"]],
            data["per_paper"],
            only_unassigned=data["only_unassigned"],
            only_unscreened=data["only_unscreened"],
        )
    except Refused as refusal:
        return render_page(request, membership, form, status=refusal.status, error=refusal.message)
    shares = ", ".join(f"{name} {count}" for name, count in assigned.per_reviewer.items())
    messages.success(request, f"Assigned {assigned.papers} papers: {shares}.")
    return HttpResponseRedirect(reverse("reviews:assignments", args=[slug]))


@login_required
@require_POST
def assignments_clear(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    cleared = assigning.clear_assignments(membership)
    messages.success(request, f"Cleared {cleared} assignments: every reviewer may screen every paper again.")
    return HttpResponseRedirect(reverse("reviews:assignments", args=[slug]))
