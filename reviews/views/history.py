"""The history a member may read: a paper's timeline (everyone, blind-aware) and the review's whole history
(owners and resolvers), filtered by person, kind and days."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest
from papers.pagination import ListPaginator

from .. import timeline
from ..access import get_membership
from ..history_forms import ChangeFilter
from ..models import Membership, ReviewPaper
from .responses import paper_gone_response

PER_PAGE = 50
# Counting a million changes costs more than showing them; past this the page says "more than".
COUNT_CAP = 10_000


@login_required
@require_GET
@vary_on_headers("HX-Request")
def paper_history(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    """A paper's timeline: a fragment the paper page loads when its History opens, or a page of its own."""
    membership = get_membership(request.user, slug)
    review_paper = (
        ReviewPaper.objects.select_related("paper")
        .defer("paper__search_document")
        .filter(review_id=membership.review_id, paper_id=paper_id)
        .first()
    )
    if review_paper is None:
        return paper_gone_response(request, membership)
    context = {
        "review": membership.review,
        "membership": membership,
        "paper": review_paper.paper,
        "entries": timeline.paper_timeline(membership, paper_id),
        "next_url": request.get_full_path(),
        "timeline_length": timeline.TIMELINE_LENGTH,
    }
    template = "reviews/paper_history.html"
    if request.htmx:
        template += "#entries"
        # Restoring from the fragment returns to the paper, which the fragment sits in.
        context["next_url"] = review_paper.get_absolute_url()
    return render(request, template, context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def review_history(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every change of the review, newest first, for those who see everything and settle conflicts."""
    membership = get_membership(request.user, slug)
    if not membership.can_resolve:
        # Reviewers read their own changes on each paper's timeline; the review-wide list would have to blind
        # every row by whether its reader decided on that paper, which is what the timeline does already.
        raise PermissionDenied("Only the review's owners and resolvers can read its whole history.")
    members = dict(Membership.objects.filter(review_id=membership.review_id).values_list("user__username", "user_id"))
    filterset = ChangeFilter(request.GET, queryset=timeline.review_changes(membership), members=members)
    changes = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    paginator = ListPaginator(changes, PER_PAGE, count_cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "review": membership.review,
        "membership": membership,
        "filterset": filterset,
        "page": page,
        "entries": timeline.entries(membership, list(page.object_list)),
        "next_url": request.get_full_path(),
    }
    template = "reviews/history.html"
    if request.htmx:
        template += "#results"
    status = 200 if filterset.is_valid() else 422
    return render(request, template, context, status=status)
