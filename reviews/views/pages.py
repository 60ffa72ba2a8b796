"""The pages a member reads: their reviews, a review's papers, and one paper with its panel and thread."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest
from papers.models import Paper, PaperAlias
from papers.pagination import LIST_COUNT_CAP, SEARCH_COUNT_CAP, ListPaginator
from papers.search import add_fallback_headlines
from papers.views import PAPERS_PER_PAGE, wants_fragment

from .. import priority
from ..access import get_membership
from ..blinding import blind_note, hidden_filters, hidden_sorts, mark_visibility, visible_thread
from ..filter_form_cache import render_filter_form
from ..filters import ReviewPaperFilter
from ..keywords import ReviewKeywords
from ..models import ExclusionReason, Membership, Review, ReviewPaper, ScreeningPreferences, Tag
from ..quotes import current_range
from ..row_cache import render_rows
from ..similar import similar_in_review
from .panels import load_panel, panel_context, panel_forms


@login_required
@require_GET
@never_cache
def home(request: HtmxHttpRequest) -> HttpResponse:
    reviews = Review.objects.for_member(request.user).with_progress(request.user).order_by("title")
    roles = dict(request.user.memberships.values_list("review_id", "role"))
    for review in reviews:
        review.my_role = roles.get(review.pk)
    return render(request, "reviews/home.html", {"reviews": reviews})


@login_required
@require_GET
@vary_on_headers("HX-Request")
@never_cache
def review_paper_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    review = membership.review
    filterset = review_filterset(request, membership, ReviewPaper.objects.for_panels(review, request.user))
    search_text = filterset.search_text
    paginator = ListPaginator(
        filterset.qs,
        PAPERS_PER_PAGE,
        count_cap=SEARCH_COUNT_CAP if search_text else LIST_COUNT_CAP,
        shortlist=filterset.shortlist(),
        walkable=filterset.walkable_search(review.pk),
    )
    page = paginator.get_page(request.GET.get("page"))
    if resume_at := page_to_resume_at(request, filterset, page):
        return HttpResponseRedirect(f"{request.path}?{list_query(request, page=resume_at)}")
    add_fallback_headlines(page.object_list, search_text, abstract_of=lambda review_paper: review_paper.paper.abstract)
    mark_visibility(membership, page.object_list)
    reasons = list(ExclusionReason.objects.filter(review=review))
    keywords = ReviewKeywords.of(review)
    # The list's filters, carried to each paper's page so its Previous/Next follow this list.
    query = list_query(request)
    render_rows(request, membership, page.object_list, reasons, keywords=keywords, list_query=query)
    context = {
        "review": review,
        "membership": membership,
        "filterset": filterset,
        "page": page,
        "search_text": search_text,
        "reasons": reasons,
        "keywords": keywords,
        "preferences": ScreeningPreferences.for_user(membership.user),
        "list_query": query,
        "blind_note": blind_note(membership),
        "priority_order": filterset.priority_order,
        **panel_forms(),
    }
    template = "reviews/review_paper_list.html"
    if wants_fragment(request):
        template += "#results"
    else:
        context["filter_form_html"] = render_filter_form(review, filterset, context["blind_note"])
    return render(request, template, context)


def review_filterset(request: HtmxHttpRequest, membership: Membership, queryset) -> ReviewPaperFilter:
    """The review list's filters and order, read from the query string."""
    review = membership.review
    return ReviewPaperFilter(
        request.GET,
        queryset=queryset,
        review=review,
        user=request.user,
        tags=Tag.objects.filter(review=review),
        blinded=not membership.sees_everything,
        hidden_filters=hidden_filters(membership),
        hidden_sorts=hidden_sorts(membership),
        priority=lambda: priority.order_for(membership),
    )


def list_query(request: HtmxHttpRequest, **changes) -> str:
    """The list's query string without its page (what a paper's page needs to find its neighbours), or with
    ``changes``."""
    query = request.GET.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


def page_to_resume_at(request: HtmxHttpRequest, filterset, page) -> int | None:
    """Opening the list without a page, when I have screened every paper of the first: the page holding my first
    unscreened paper, so a reviewer resumes where they stopped (the list then makes that paper current)."""
    if "page" in request.GET or wants_fragment(request) or not page.has_next():
        return None
    if filterset.form.cleaned_data.get("my_decision"):
        return None  # every paper listed is one I decided on
    if any(review_paper.my_decision is None for review_paper in page.object_list):
        return None
    position = filterset.qs.position_of_first_not_screened_by(request.user)
    if position is None:
        return None
    return (position - 1) // PAPERS_PER_PAGE + 1


def neighbours(
    request: HtmxHttpRequest, membership: Membership, review_paper: ReviewPaper
) -> tuple[int | None, int | None]:
    """The papers before and after ``review_paper`` in the review list filtered and sorted by the query string.

    The paper itself keeps its place even if the filters now leave it out (say "not yet screened by me", just
    after deciding it), so Next goes on from where it was. Orders by columns find the two with two short
    queries; a relevance or mean-score order reads the list's ids in one query (one integer a paper).
    """
    base = ReviewPaper.objects.filter(review=membership.review)
    filterset = review_filterset(
        request, membership, base.order_by("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
    )
    if (found := filterset.qs.neighbours_of(review_paper)) is not None:
        return found
    paper_id = review_paper.paper_id
    ids = list((filterset.qs | base.filter(paper_id=paper_id)).values_list("paper_id", flat=True))
    try:
        index = ids.index(paper_id)
    except ValueError:
        return None, None
    return (ids[index - 1] if index > 0 else None), (ids[index + 1] if index + 1 < len(ids) else None)


@login_required
@require_GET
@never_cache
def review_paper_detail(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    paper = Paper.objects.only("pk").by_key(key).first()
    if paper is None:
        # A paper merged into another: its old address leads to the one it became (a 404 there if not in review).
        if (current := PaperAlias.current_key(key)) is not None:
            url = reverse("reviews:paper", args=[slug, current])
            return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url, permanent=True)
        raise Http404("No such paper")
    review_paper = load_panel(membership, paper.pk)
    if review_paper is None:
        raise Http404("This paper is not part of the review.")
    return render_review_paper_page(request, membership, review_paper)


def render_review_paper_page(
    request: HtmxHttpRequest, membership: Membership, review_paper: ReviewPaper, *, status: int = 200, **extra
) -> HttpResponse:
    """The paper's page in a review: abstract with quoted passages marked, the panel and the whole thread."""
    comments = visible_thread(membership, review_paper)
    previous_id, next_id = neighbours(request, membership, review_paper)
    keys = {paper.pk: paper.key for paper in Paper.objects.filter(pk__in=[previous_id, next_id]).only("arxiv_id")}
    query = list_query(request)

    def page_of(paper_id):
        if paper_id is None:
            return None
        url = reverse("reviews:paper", args=[membership.review.slug, keys[paper_id]])
        return f"{url}?{query}" if query else url

    context = panel_context(
        membership,
        review_paper,
        comments=comments,
        quotes=quote_ranges(review_paper.paper.abstract, all_comments(comments)),
        on_paper_page=True,
        previous_url=page_of(previous_id),
        next_paper_url=page_of(next_id),
        list_url=f"{membership.review.get_absolute_url()}?{query}" if query else membership.review.get_absolute_url(),
        keywords=ReviewKeywords.of(membership.review),
        preferences=ScreeningPreferences.for_user(membership.user),
        similar=similar_in_review(membership, review_paper.paper_id),
        priority_place=priority.place_for(membership, review_paper),
        # A decision on a similar paper comes back to this page, at that paper's row.
        similar_next_url=request.get_full_path() if request.method == "GET" else review_paper.get_absolute_url(),
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
