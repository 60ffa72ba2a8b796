"""The comment thread on a paper: post, reply, edit and delete one's own."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from ..access import PaperNotInReview, get_annotating_membership, get_membership, get_review_paper
from ..forms import CommentBodyForm, CommentForm
from ..models import Comment
from ..summaries import refresh_comments
from .responses import (
    PANEL_TEMPLATE,
    annotation_response,
    first_error,
    panel_context,
    paper_gone_response,
    thread_for,
)


@login_required
@require_GET
def comment_thread(request, slug: str, paper_id: int):
    """The thread as a fragment, loaded when a list row's comments are opened."""
    membership = get_membership(request.user, slug)
    try:
        review_paper = get_review_paper(membership, paper_id)
    except PaperNotInReview:
        return paper_gone_response(request, membership)
    context = panel_context(membership, review_paper, comments=thread_for(review_paper))
    return render(request, f"{PANEL_TEMPLATE}#comments", context)


@login_required
@require_POST
def comment_add(request, slug: str, paper_id: int):
    membership = get_annotating_membership(request.user, slug)
    with transaction.atomic():
        try:
            review_paper = get_review_paper(membership, paper_id, for_update=True)
        except PaperNotInReview:
            return paper_gone_response(request, membership)
        form = CommentForm(
            request.POST,
            abstract=review_paper.paper.abstract,
            parents=Comment.objects.visible().filter(review=membership.review, paper_id=review_paper.paper_id),
        )
        if not form.is_valid():
            return annotation_response(
                request, membership, review_paper, "comments", error=first_error(form), status=422,
                comment_form=form,
            )  # fmt: skip
        quote_range = form.cleaned_data["quote_range"]
        Comment.objects.create(
            review=membership.review,
            paper_id=review_paper.paper_id,
            author=request.user,
            parent=form.cleaned_data["parent"],
            body=form.cleaned_data["body"],
            quote=form.cleaned_data["quote"] if quote_range else "",
            quote_start=quote_range[0] if quote_range else None,
            quote_end=quote_range[1] if quote_range else None,
        )
        refresh_comments(review_paper)
    if request.htmx and quote_range:
        # The abstract's highlights change too, so the page reloads as a whole.
        # Not a 302: the browser would follow it inside the request and htmx would swap the whole page in.
        return HttpResponseClientRedirect(review_paper.get_absolute_url())
    return annotation_response(request, membership, review_paper, "comments")


def get_own_comment(membership, comment_id: int) -> Comment:
    comment = get_object_or_404(
        Comment.objects.visible().filter(deleted_at=None), pk=comment_id, review=membership.review
    )
    if comment.author_id != membership.user_id:
        raise PermissionDenied("You can only change your own comments.")
    return comment


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, slug: str, comment_id: int):
    membership = get_annotating_membership(request.user, slug)
    comment = get_own_comment(membership, comment_id)
    try:
        review_paper = get_review_paper(membership, comment.paper_id)
    except PaperNotInReview:
        return paper_gone_response(request, membership)
    form = CommentBodyForm(request.POST if request.method == "POST" else None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        comment.body = form.cleaned_data["body"]
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        return annotation_response(request, membership, review_paper, "comments")
    template = "reviews/comment_edit.html"
    if request.htmx:
        template += "#edit-form"
    context = {"review": membership.review, "comment": comment, "form": form}
    response = render(request, template, context, status=422 if form.errors else 200)
    if request.htmx and form.errors:
        # The form targets the whole thread for its success; a refused edit goes back where the comment was.
        reswap(retarget(response, f"#comment-{comment.pk}"), "outerHTML")
    return response


@login_required
@require_POST
def comment_delete(request, slug: str, comment_id: int):
    membership = get_annotating_membership(request.user, slug)
    with transaction.atomic():
        comment = get_own_comment(membership, comment_id)
        try:
            review_paper = get_review_paper(membership, comment.paper_id, for_update=True)
        except PaperNotInReview:
            return paper_gone_response(request, membership)
        if comment.replies.exists():
            # Others' replies stay; the comment becomes a placeholder in the thread.
            comment.body, comment.quote, comment.quote_start, comment.quote_end = "", "", None, None
            comment.deleted_at = timezone.now()
            comment.save()
        else:
            comment.delete()
        refresh_comments(review_paper)
    return annotation_response(request, membership, review_paper, "comments")
