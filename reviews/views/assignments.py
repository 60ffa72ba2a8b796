"""Owners share the review's papers among reviewers, and see each one's load and progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from config.htmx import HtmxHttpRequest

from .. import assigning
from ..access import get_owner_membership
from ..annotating import Refused
from ..forms import first_error
from ..models import MAX_REQUIRED_SCREENERS, Assignment, Change, ChangeKind, Membership, Role, ScreeningDecision
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


def last_choice(membership: Membership, screeners) -> dict:
    """The form's starting values: the reviewers and share of the last assignment while it stands, else the
    members with the reviewer role (owners are listed but not ticked: not every owner screens)."""
    last = (
        Change.objects.filter(review_id=membership.review_id, kind=ChangeKind.ASSIGNMENT)
        .order_by("-at", "-pk")
        .values_list("after", flat=True)
        .first()
    )
    if isinstance(last, dict) and isinstance(last.get("reviewers"), dict):
        names = set(last["reviewers"])
        chosen = [str(m.pk) for m in screeners if m.user.get_username() in names]
        per_paper = last.get("per_paper")
        if chosen and per_paper in range(1, MAX_REQUIRED_SCREENERS + 1):
            return {"screeners": chosen, "per_paper": per_paper}
    return {
        "per_paper": membership.review.required_screeners,
        "screeners": [str(m.pk) for m in screeners if m.role == Role.REVIEWER],
    }


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def assignments(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    if request.method == "POST":
        return save(request, membership)
    screeners = screeners_of(membership)
    form = AssignmentForm(initial=last_choice(membership, screeners), members=screeners)
    return render_page(request, membership, form)


def render_page(request, membership, form, *, status: int = 200, error: str = "") -> HttpResponse:
    context = {"review": membership.review, "membership": membership, "form": form, "loads": loads(membership)}
    context["error"] = error
    context["any_assigned"] = any(row["assigned"] for row in context["loads"])
    return render(request, TEMPLATE, context, status=status)


def fewer_than_required(per_paper: int, required: int) -> str:
    if per_paper >= required:
        return ""
    return (
        f"Each paper will get {per_paper} screener{pluralize(per_paper)} but the review requires {required}: "
        "screening mode offers people only the papers assigned to them, so papers will wait for "
        f"{'their other decisions' if required - per_paper > 1 else 'a second decision'} until you assign "
        f"{required} reviewers per paper or lower the required screeners in the settings."
    )


def save(request: HtmxHttpRequest, membership: Membership) -> HttpResponse:
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
    if warning := fewer_than_required(data["per_paper"], membership.review.required_screeners):
        messages.warning(request, warning)
    return HttpResponseRedirect(reverse("reviews:assignments", args=[membership.review.slug]))


@login_required
@require_POST
def assignments_clear(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Nothing was cleared: tick “Yes, clear all assignments” to clear them.")
        return HttpResponseRedirect(reverse("reviews:assignments", args=[slug]))
    cleared = assigning.clear_assignments(membership)
    messages.success(request, f"Cleared {cleared} assignments: every reviewer may screen every paper again.")
    return HttpResponseRedirect(reverse("reviews:assignments", args=[slug]))
