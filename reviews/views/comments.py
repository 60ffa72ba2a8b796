"""The comment thread on a paper: read it, post, reply, edit and delete one's own, restore a deleted one.

Each change reads: access check, form, one call to reviews.annotating, response.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from config.htmx import HtmxHttpRequest

from .. import annotating
from ..access import get_annotating_membership, get_membership, get_own_comment
from ..annotating import Refused
from ..blinding import visible_thread
from ..forms import CommentBodyForm, CommentForm, first_error
from ..models import Comment
from .panels import PANEL_TEMPLATE, Section, load_panel, panel_context
from .responses import annotation_response, paper_gone_response


@login_required
@require_GET
def comment_thread(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    """The thread as a fragment, loaded when a list row's comments are opened."""
    membership = get_membership(request.user, slug)
    review_paper = load_panel(membership, paper_id)
    if review_paper is None:
        return paper_gone_response(request, membership)
    comments = visible_thread(membership, review_paper)
    return render(request, f"{PANEL_TEMPLATE}#comments", panel_context(membership, review_paper, comments=comments))


@login_required
@require_POST
def comment_add(request: HtmxHttpRequest, slug: str, paper_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    form = CommentForm(request.POST)
    try:
        if not form.is_valid():
            raise Refused(first_error(form))
        comment = annotating.add_comment(
            membership,
            paper_id,
            form.cleaned_data["body"],
            parent_id=form.cleaned_data["parent"],
            quote=form.cleaned_data["quote"],
            quote_near=form.cleaned_data["quote_near"],
        )
    except Refused as refusal:
        return annotation_response(request, membership, paper_id, Section.COMMENTS, refusal=refusal, comment_form=form)
    return thread_changed_response(request, membership, comment)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HtmxHttpRequest, slug: str, comment_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    comment = get_own_comment(membership, comment_id)
    form = CommentBodyForm(request.POST if request.method == "POST" else None, initial={"body": comment.body})
    refusal = None
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise Refused(first_error(form))
            annotating.edit_comment(membership, comment, form.cleaned_data["body"])
        except annotating.PaperGone:
            return paper_gone_response(request, membership)
        except Refused as error:
            refusal = error
        else:
            return annotation_response(request, membership, comment.paper_id, Section.COMMENTS)
    template = "reviews/comment_edit.html"
    if request.htmx:
        template += "#edit-form"
    context = {"review": membership.review, "comment": comment, "form": form, "refusal": refusal}
    response = render(request, template, context, status=refusal.status if refusal else 200)
    if request.htmx and refusal:
        # The form targets the whole thread for its success; a refused edit goes back where the comment was.
        reswap(retarget(response, f"#comment-{comment.pk}"), "outerHTML")
    return response


@login_required
@require_POST
def comment_delete(request: HtmxHttpRequest, slug: str, comment_id: int) -> HttpResponse:
    membership = get_annotating_membership(request.user, slug)
    comment = get_own_comment(membership, comment_id)
    try:
        annotating.delete_comment(membership, comment)
    except Refused as refusal:
        return annotation_response(request, membership, comment.paper_id, Section.COMMENTS, refusal=refusal)
    return thread_changed_response(request, membership, comment)


@login_required
@require_POST
def comment_restore(request: HtmxHttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """Bring a deleted comment back (its author or an owner), from its placeholder or the history."""
    membership = get_membership(request.user, slug)
    comment = Comment.objects.filter(pk=comment_id, review_id=membership.review_id).only("paper_id", "quote").first()
    if comment is None:
        raise Http404("No such comment")
    try:
        comment = annotating.restore_comment(membership, comment_id)
    except Refused as refusal:
        return annotation_response(request, membership, comment.paper_id, Section.COMMENTS, refusal=refusal)
    return thread_changed_response(request, membership, comment)


def thread_changed_response(request: HtmxHttpRequest, membership, comment: Comment) -> HttpResponse:
    """After a comment was added or deleted: a quoted one changes the abstract's highlights too, so with htmx
    the page reloads as a whole (not by a 302, which the browser would follow inside the request and htmx
    would swap the whole page in); otherwise the thread is answered as any section."""
    if request.htmx and comment.quote:
        return HttpResponseClientRedirect(load_panel(membership, comment.paper_id).get_absolute_url())
    return annotation_response(request, membership, comment.paper_id, Section.COMMENTS)
