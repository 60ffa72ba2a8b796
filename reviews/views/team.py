"""An owner's ways of building a review: create one, and add the corpus list's filtered papers to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from papers.filters import PaperFilter
from papers.models import Paper

from ..models import Review
from ..owner_forms import AddPapersForm, ReviewCreateForm

# The corpus list's own parameters that are not filters.
NOT_FILTERS = {"page", "review", "csrfmiddlewaretoken"}


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest) -> HttpResponse:
    # Any logged-in user may start a review; they become its owner.
    form = ReviewCreateForm(request.POST or None, auto_id="review-%s")
    if request.method == "POST" and form.is_valid():
        review = Review.objects.create_with_owner(request.user, **form.cleaned_data)
        messages.success(
            request,
            f"Created “{review.title}”; you are its owner. Add papers from the Papers list, "
            "and invite your team in the review's settings.",
        )
        return redirect(review.get_absolute_url())
    status = 422 if form.errors else 200
    return render(request, "reviews/review_create.html", {"form": form}, status=status)


def corpus_filters(data: QueryDict) -> QueryDict:
    """The corpus list's filters among ``data``, ready for PaperFilter and for the list's URL."""
    filters = data.copy()
    for name in NOT_FILTERS:
        filters.pop(name, None)
    return filters


@login_required
@require_POST
def add_filtered_papers(request: HttpRequest) -> HttpResponse:
    # The permission check is the review field: its choices are the reviews this user owns.
    form = AddPapersForm(request.POST, reviews=Review.objects.owned_by(request.user))
    filters = corpus_filters(request.POST)
    back = reverse("papers:list") + (f"?{filters.urlencode()}" if filters else "")
    filterset = PaperFilter(filters, queryset=Paper.objects.all())
    if not form.is_valid():
        messages.error(request, form.errors["review"][0])
        return redirect(back)
    if not filterset.is_valid():
        messages.error(request, "Nothing was added: some filters are not valid. Fix them and try again.")
        return redirect(back)
    review = form.cleaned_data["review"]
    papers = filterset.qs
    selected = papers.count()
    added = review.add_papers(papers)
    messages.success(
        request,
        f"Added {added} paper{'' if added == 1 else 's'} to “{review.title}”; "
        f"{selected - added} {'was' if selected - added == 1 else 'were'} already in it.",
    )
    return redirect(back)
