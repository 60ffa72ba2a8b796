"""The resolvers' queue: papers the screeners disagreed on (or, under the strict rule, were all unsure of), with
every vote side by side, and the form that records the final decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest

from .. import annotating
from ..access import get_membership
from ..forms import first_error
from ..keywords import ReviewKeywords
from ..models import (
    NEEDS_RESOLUTION,
    Comment,
    ExclusionReason,
    Membership,
    Resolution,
    ReviewPaper,
    Score,
    ScreeningDecision,
    TeamStatus,
)
from ..resolution_forms import QueueTabForm, ResolveForm

CONFLICTS_PER_PAGE = 20
TEMPLATE = "reviews/conflicts.html"


class Tab:
    OPEN, RESOLVED, REOPENED = (value for value, _ in QueueTabForm.base_fields["show"].choices)
    ALL = (OPEN, RESOLVED, REOPENED)


def get_resolving_membership(user, slug: str) -> Membership:
    """As get_membership, but only owners and resolvers (403 for the other members)."""
    membership = get_membership(user, slug)
    if not membership.can_resolve:
        raise PermissionDenied("Only the review's owners and resolvers see the conflicts queue.")
    return membership


def queue(membership: Membership, tab: str | None):
    """The review's papers of ``tab`` (None: any paper), with every vote, score, comment and resolution the
    queue shows (a fixed number of queries, whatever the page holds)."""
    review = membership.review
    papers = ReviewPaper.objects.filter(review=review)
    if tab == Tab.RESOLVED:
        papers = papers.filter(team_status=TeamStatus.RESOLVED)
    elif tab == Tab.REOPENED:
        # Reopened and still waiting: a changed vote that made the screeners agree settled the paper by itself.
        papers = papers.filter(
            paper__resolutions__review=review,
            paper__resolutions__reopened_at__isnull=False,
            team_status__in=NEEDS_RESOLUTION,
        )
    elif tab == Tab.OPEN:
        papers = papers.filter(team_status__in=NEEDS_RESOLUTION)
    of_review = {"review": review}
    return (
        papers.select_related("paper", "review")
        .defer("paper__search_document")
        .prefetch_related(
            Prefetch(
                "paper__decisions",
                ScreeningDecision.objects.filter(**of_review)
                .select_related("user", "reason")
                .order_by("user__username"),
                to_attr="review_votes",
            ),
            Prefetch("paper__scores", Score.objects.filter(**of_review), to_attr="review_scores"),
            Prefetch(
                "paper__comments",
                Comment.objects.counted().filter(**of_review).select_related("author").order_by("created_at", "pk"),
                to_attr="review_comments",
            ),
            Prefetch(
                "paper__resolutions",
                Resolution.objects.filter(**of_review).select_related("resolved_by", "reopened_by", "reason"),
                to_attr="review_resolutions",
            ),
        )
        .order_by("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
    )


def prepare(review_paper: ReviewPaper) -> ReviewPaper:
    """Set what a card shows: ``votes`` (one row a screener: decision, reason, score), ``resolution`` and ``seen``."""
    paper = review_paper.paper
    scores = {score.user_id: score.value for score in paper.review_scores}
    review_paper.votes = [{"decision": vote, "score": scores.get(vote.user_id)} for vote in paper.review_votes]
    review_paper.resolution = paper.review_resolutions[0] if paper.review_resolutions else None
    standing = review_paper.resolution if review_paper.resolution and not review_paper.resolution.reopened_at else None
    review_paper.seen = annotating.fingerprint(
        [(vote.user_id, vote.decision, vote.reason_id) for vote in paper.review_votes], standing
    )
    return review_paper


def counts(membership: Membership) -> dict:
    of_review = ReviewPaper.objects.filter(review=membership.review)
    found = of_review.aggregate(
        open=Count("pk", filter=Q(team_status__in=NEEDS_RESOLUTION)),
        resolved=Count("pk", filter=Q(team_status=TeamStatus.RESOLVED)),
    )
    found["reopened"] = of_review.filter(
        team_status__in=NEEDS_RESOLUTION,
        paper__resolutions__review=membership.review,
        paper__resolutions__reopened_at__isnull=False,
    ).count()
    return found


@login_required
@require_GET
@vary_on_headers("HX-Request")
@never_cache
def conflicts(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_resolving_membership(request.user, slug)
    tab = QueueTabForm(request.GET).tab()
    page = Paginator(queue(membership, tab), CONFLICTS_PER_PAGE).get_page(request.GET.get("page"))
    for review_paper in page.object_list:
        prepare(review_paper)
    template = TEMPLATE + "#results" if request.htmx and not request.htmx.boosted else TEMPLATE
    return render(request, template, queue_context(membership, tab=tab, page=page))


def queue_context(membership: Membership, **extra) -> dict:
    return {
        "review": membership.review,
        "membership": membership,
        "reasons": list(ExclusionReason.objects.filter(review=membership.review)),
        "keywords": ReviewKeywords.of(membership.review),
        "counts": counts(membership),
        "tabs": QueueTabForm.base_fields["show"].choices,
        "note_max_length": annotating.NOTE_MAX_LENGTH,
        **extra,
    }


@login_required
@require_POST
def conflict_resolve(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_resolving_membership(request.user, slug)
    form = ResolveForm(request.POST)
    paper_id = None
    try:
        if not form.is_valid():
            raise annotating.Refused(first_error(form))
        data = form.cleaned_data
        paper_id = data["paper"]
        resolution = annotating.resolve(
            membership, paper_id, data["decision"], data["reason"], data["note"], seen=data["seen"]
        )
    except annotating.Refused as refusal:
        return refused(request, membership, paper_id, refusal, form)
    done = f"Final decision recorded: {resolution.get_decision_display().lower()}."
    if request.htmx:
        return card_response(request, membership, paper_id, done=done)
    messages.success(request, done)
    return HttpResponseRedirect(queue_url(request, membership))


def queue_url(request: HtmxHttpRequest, membership: Membership) -> str:
    url = reverse("reviews:conflicts", args=[membership.review.slug])
    tab = request.POST.get("show", "")
    return f"{url}?show={tab}" if tab in Tab.ALL and tab != Tab.OPEN else url


def card_response(request, membership, paper_id, *, status: int = 200, **extra) -> HttpResponse:
    """The paper's card alone, as it is now (in any tab: it stays where the resolver is until they reload)."""
    review_paper = queue(membership, None).filter(paper_id=paper_id).first()
    if review_paper is None:
        return render(request, "reviews/paper_gone.html#message", {"review": membership.review}, status=404)
    context = queue_context(membership, rp=prepare(review_paper), **extra)
    return render(request, f"{TEMPLATE}#card", context, status=status)


def refused(request, membership, paper_id, refusal: annotating.Refused, form: ResolveForm) -> HttpResponse:
    if request.htmx and paper_id is not None and not isinstance(refusal, annotating.PaperGone):
        typed = {"note": form.data.get("note", "")[: annotating.NOTE_MAX_LENGTH]}
        return card_response(request, membership, paper_id, status=refusal.status, error=refusal.message, typed=typed)
    if request.htmx:
        return render(request, f"{TEMPLATE}#refusal", {"error": refusal.message}, status=refusal.status)
    messages.error(request, refusal.message)
    return HttpResponseRedirect(queue_url(request, membership))
