"""How annotation views answer: a swapped fragment for htmx, Post/Redirect/Get or the page without it."""

from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from ..models import Comment, ExclusionReason, Membership, ReviewPaper, Tag
from ..quotes import current_range

PANEL_TEMPLATE = "reviews/_annotation_panel.html"


def safe_next_url(request, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return fallback


def first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def panel_context(membership: Membership, review_paper: ReviewPaper, **extra) -> dict:
    review = membership.review
    return {
        "review": review,
        "membership": membership,
        "rp": review_paper,
        "paper": review_paper.paper,
        "reasons": list(ExclusionReason.objects.filter(review=review)),
        **extra,
    }


def reload_for_panel(membership: Membership, review_paper_id: int) -> ReviewPaper:
    return ReviewPaper.objects.for_panels(membership.review, membership.user).get(pk=review_paper_id)


def thread_for(review_paper: ReviewPaper) -> list[Comment]:
    """Top-level comments, each with ``thread_replies``: every descendant in time order."""
    comments = list(Comment.objects.thread(review_paper.review_id, review_paper.paper_id))
    by_id = {comment.pk: comment for comment in comments}
    roots = []
    for comment in comments:
        comment.thread_replies = []
        root = comment
        while root.parent_id is not None and root.parent_id in by_id:
            root = by_id[root.parent_id]
        if root is comment:
            roots.append(comment)
        else:
            root.thread_replies.append(comment)
    return roots


def vocabulary(review) -> list[Tag]:
    return list(Tag.objects.filter(review=review))


def annotation_response(
    request, membership, review_paper, section: str, *, error: str = "", status: int = 200, **extra
):
    """Answer an annotation POST: the changed section for htmx; a redirect back, or the page with the error."""
    if request.htmx:
        fresh = reload_for_panel(membership, review_paper.pk)
        context = panel_context(membership, fresh, error_section=section if error else "", error=error, **extra)
        if section == "comments":
            context["comments"] = thread_for(fresh)
        return render(request, f"{PANEL_TEMPLATE}#{section}", context, status=status)
    if error:
        return render_review_paper_page(
            request, membership, review_paper, error_section=section, error=error, status=status, **extra
        )
    return redirect(safe_next_url(request, review_paper.get_absolute_url()))


def render_review_paper_page(request, membership, review_paper, *, status: int = 200, **extra):
    """The paper's page in a review: abstract with quoted passages marked, the panel and the whole thread."""
    fresh = reload_for_panel(membership, review_paper.pk)
    comments = thread_for(fresh)
    context = panel_context(
        membership,
        fresh,
        comments=comments,
        quotes=quote_ranges(fresh.paper.abstract, all_comments(comments)),
        vocabulary=vocabulary(membership.review),
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


def paper_gone_response(request, membership):
    """A stale or deleted paper id: say so where the user acted, with a 404."""
    template = "reviews/paper_gone.html"
    if request.htmx:
        template += "#message"
    return render(request, template, {"review": membership.review}, status=404)
