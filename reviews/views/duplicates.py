"""A review's *Possible duplicates*: pairs of papers that may be one, with at least one in the review, side by
side, for its owners and resolvers to merge or to mark as different papers (reviews/paper_merging.py).

Only owners and resolvers open it: they see every vote anyway, and a merge moves (and may replace) the team's
decisions, so a blinded reviewer must learn nothing from it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest
from papers.models import DuplicateCandidate

from .. import paper_merging
from ..models import Membership, ReviewPaper, Role
from .conflicts import get_resolving_membership

PAIRS_PER_PAGE = 20
TEMPLATE = "reviews/duplicates.html"


def review_pairs(membership: Membership):
    """The open pairs with at least one paper in the member's review, likeliest first."""

    def in_review(side: str):
        return Exists(ReviewPaper.objects.filter(review_id=membership.review_id, paper_id=OuterRef(side)))

    return (
        DuplicateCandidate.objects.open()
        .filter(Q(in_review("paper_a")) | Q(in_review("paper_b")))
        .select_related("paper_a", "paper_b")
        .defer("paper_a__search_document", "paper_b__search_document")
        .order_by("-score", "pk")
    )


def prepare(membership: Membership, pairs: list[DuplicateCandidate]) -> list[DuplicateCandidate]:
    """Mark what each card shows: which side is in this review, and whether the pair is outside the member's
    scope (a paper also in a review they neither own nor resolve). Two queries for the whole page."""
    paper_ids = {pk for pair in pairs for pk in (pair.paper_a_id, pair.paper_b_id)}
    holding: dict[int, set[int]] = {}
    for paper_id, review_id in ReviewPaper.objects.filter(paper_id__in=paper_ids).values_list("paper_id", "review_id"):
        holding.setdefault(paper_id, set()).add(review_id)
    reviews = set().union(*holding.values()) if holding else set()
    mine = set(
        Membership.objects.filter(
            user_id=membership.user_id, review_id__in=reviews, role__in=[Role.OWNER, Role.RESOLVER]
        ).values_list("review_id", flat=True)
    )
    for pair in pairs:
        a, b = holding.get(pair.paper_a_id, set()), holding.get(pair.paper_b_id, set())
        pair.a_in_review, pair.b_in_review = membership.review_id in a, membership.review_id in b
        pair.outside_scope = bool((a | b) - mine)
    return pairs


@login_required
@require_GET
@vary_on_headers("HX-Request")
@never_cache
def duplicates(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_resolving_membership(request.user, slug)
    page = Paginator(review_pairs(membership), PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    prepare(membership, page.object_list)
    template = TEMPLATE + "#results" if request.htmx and not request.htmx.boosted else TEMPLATE
    return render(request, template, {"review": membership.review, "membership": membership, "page": page})


@login_required
@require_POST
def duplicate_merge(request: HtmxHttpRequest, slug: str, candidate_id: int) -> HttpResponse:
    membership = get_resolving_membership(request.user, slug)
    try:
        result = paper_merging.merge_candidate(membership, candidate_id)
    except paper_merging.MergeRefused as refusal:
        return _refused(request, membership, candidate_id, refusal)
    done = f"Merged {result.merged_display_id} into {result.survivor.display_id}: one paper now, with every annotation."
    return _done(request, membership, candidate_id, done, survivor=result.survivor)


@login_required
@require_POST
def duplicate_reject(request: HtmxHttpRequest, slug: str, candidate_id: int) -> HttpResponse:
    membership = get_resolving_membership(request.user, slug)
    try:
        paper_merging.reject_candidate(membership, candidate_id)
    except paper_merging.MergeRefused as refusal:
        return _refused(request, membership, candidate_id, refusal)
    return _done(request, membership, candidate_id, "Marked as different papers: this pair will not be proposed again.")


def _done(request, membership, candidate_id, done: str, **extra) -> HttpResponse:
    if request.htmx:
        context = {"review": membership.review, "candidate_id": candidate_id, "done": done, **extra}
        return render(request, f"{TEMPLATE}#decided", context)
    messages.success(request, done)
    return HttpResponseRedirect(_list_url(request, membership))


def _refused(request, membership, candidate_id, refusal: paper_merging.MergeRefused) -> HttpResponse:
    if request.htmx:
        context = {"candidate_id": candidate_id, "error": refusal.message}
        return render(request, f"{TEMPLATE}#refusal", context, status=refusal.status)
    messages.error(request, refusal.message)
    return HttpResponseRedirect(_list_url(request, membership))


def _list_url(request, membership) -> str:
    url = reverse("reviews:duplicates", args=[membership.review.slug])
    page = request.POST.get("page", "")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url
