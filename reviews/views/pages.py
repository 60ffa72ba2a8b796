"""The pages a member reads: their reviews, a review's papers, and one paper with its panel and thread."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest
from papers.models import Paper
from papers.pagination import SEARCH_COUNT_CAP, ListPaginator
from papers.search import add_fallback_headlines
from papers.views import PAPERS_PER_PAGE, wants_fragment

from ..access import get_membership
from ..filters import ReviewPaperFilter
from ..models import Comment, ExclusionReason, Membership, Review, ReviewPaper, Tag
from ..quotes import current_range
from .panels import load_panel, panel_context, panel_forms


@login_required
@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    reviews = Review.objects.for_member(request.user).with_progress(request.user).order_by("title")
    roles = dict(request.user.memberships.values_list("review_id", "role"))
    for review in reviews:
        review.my_role = roles.get(review.pk)
    return render(request, "reviews/home.html", {"reviews": reviews})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def review_paper_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    review = membership.review
    filterset = ReviewPaperFilter(
        request.GET,
        queryset=ReviewPaper.objects.for_panels(review, request.user),
        review=review,
        user=request.user,
        tags=Tag.objects.filter(review=review),
    )
    search_text = filterset.search_text
    paginator = ListPaginator(
        filterset.qs,
        PAPERS_PER_PAGE,
        count_cap=SEARCH_COUNT_CAP if search_text else None,
        shortlist=filterset.relevance_shortlist(),
    )
    page = paginator.get_page(request.GET.get("page"))
    add_fallback_headlines(page.object_list, search_text, abstract_of=lambda review_paper: review_paper.paper.abstract)
    context = {
        "review": review,
        "membership": membership,
        "filterset": filterset,
        "page": page,
        "search_text": search_text,
        "reasons": list(ExclusionReason.objects.filter(review=review)),
        **panel_forms(),
    }
    template = "reviews/review_paper_list.html"
    if wants_fragment(request):
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def review_paper_detail(request: HtmxHttpRequest, slug: str, arxiv_id: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    paper = get_object_or_404(Paper.objects.only("pk"), arxiv_id=arxiv_id)
    review_paper = load_panel(membership, paper.pk)
    if review_paper is None:
        raise Http404("This paper is not part of the review.")
    return render_review_paper_page(request, membership, review_paper)


def render_review_paper_page(
    request: HtmxHttpRequest, membership: Membership, review_paper: ReviewPaper, *, status: int = 200, **extra
) -> HttpResponse:
    """The paper's page in a review: abstract with quoted passages marked, the panel and the whole thread."""
    comments = Comment.objects.thread(review_paper.review_id, review_paper.paper_id)
    context = panel_context(
        membership,
        review_paper,
        comments=comments,
        quotes=quote_ranges(review_paper.paper.abstract, all_comments(comments)),
        on_paper_page=True,
        **extra,
    )
    return render(request, "reviews/review_paper.html", context, status=status)


def quote_ranges(abstract: str, comments) -> list[tuple[int, int, int]]:
    """(start, end, comment id) of each quoted passage still in the abstract, for highlighting.

    A quote no longer in the abstract gets no highlight; its comment still shows the quoted text.
    """
    ranges = []
    for comment in comments:
        if comment.quote_start is None:
            continue
        if found := current_range(abstract, comment.quote, comment.quote_start, comment.quote_end):
            ranges.append((*found, comment.pk))
    return ranges


def all_comments(roots):
    for root in roots:
        yield root
        yield from root.thread_replies
