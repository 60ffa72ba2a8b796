from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from papers.models import Paper
from papers.pagination import SEARCH_COUNT_CAP, ListPaginator
from papers.search import add_fallback_headlines
from papers.views import PAPERS_PER_PAGE, wants_fragment

from ..access import get_membership
from ..filters import ReviewPaperFilter
from ..models import ExclusionReason, Review, ReviewPaper
from .responses import render_review_paper_page, vocabulary


@login_required
@require_GET
def home(request):
    reviews = Review.objects.for_member(request.user).with_progress(request.user).order_by("title")
    roles = dict(request.user.memberships.values_list("review_id", "role"))
    for review in reviews:
        review.my_role = roles.get(review.pk)
    return render(request, "reviews/home.html", {"reviews": reviews})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def review_paper_list(request, slug: str):
    membership = get_membership(request.user, slug)
    review = membership.review
    tags = vocabulary(review)
    filterset = ReviewPaperFilter(
        request.GET,
        queryset=ReviewPaper.objects.for_panels(review, request.user),
        review=review,
        user=request.user,
        tags=tags,
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
        "vocabulary": tags,
        "reasons": list(ExclusionReason.objects.filter(review=review)),
    }
    template = "reviews/review_paper_list.html"
    if wants_fragment(request):
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def review_paper_detail(request, slug: str, arxiv_id: str):
    membership = get_membership(request.user, slug)
    paper = get_object_or_404(Paper.objects.only("pk"), arxiv_id=arxiv_id)
    try:
        review_paper = ReviewPaper.objects.get(review=membership.review, paper=paper)
    except ReviewPaper.DoesNotExist:
        raise Http404("This paper is not part of the review.") from None
    return render_review_paper_page(request, membership, review_paper)
