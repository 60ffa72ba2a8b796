from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest

from .filters import PaperFilter
from .models import Paper, PaperAlias, SimilarPaper
from .pagination import SEARCH_COUNT_CAP, ListPaginator
from .search import add_fallback_headlines

PAPERS_PER_PAGE = 25


def wants_fragment(request: HtmxHttpRequest) -> bool:
    htmx = request.htmx
    # A history restore asks for the whole page, as does a boosted navigation.
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


@login_required
@require_GET
@vary_on_headers("HX-Request")
@never_cache
def paper_list(request: HtmxHttpRequest) -> HttpResponse:
    filterset = PaperFilter(request.GET, queryset=Paper.objects.defer("search_document"))
    search_text = filterset.search_text
    paginator = ListPaginator(
        filterset.qs,
        PAPERS_PER_PAGE,
        count_cap=SEARCH_COUNT_CAP if search_text else None,
        walkable=filterset.walkable_search(),
    )
    page = paginator.get_page(request.GET.get("page"))
    add_fallback_headlines(page.object_list, search_text)
    template = "papers/paper_list.html"
    if wants_fragment(request):
        template += "#results"
    return render(
        request,
        template,
        {"filterset": filterset, "page": page, "search_text": search_text},
    )


@login_required
@require_GET
@never_cache
def paper_detail(request: HtmxHttpRequest, key: str) -> HttpResponse:
    paper = Paper.objects.defer("search_document").prefetch_related("import_batches").by_key(key).first()
    if paper is None:
        # A paper merged into another (reviews/paper_merging.py): its old address leads to the one it became.
        if (current := PaperAlias.current_key(key)) is not None:
            return redirect("papers:detail", current, permanent=True)
        raise Http404("No such paper")
    similar = SimilarPaper.objects.of(paper.pk)
    return render(request, "papers/paper_detail.html", {"paper": paper, "similar": similar})
