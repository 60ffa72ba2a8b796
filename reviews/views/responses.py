"""How annotation views answer: the changed section for htmx; otherwise Post/Redirect/Get, or the paper's page
with the refusal beside the section it concerns."""

from collections.abc import Callable

from django.forms import Form
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from config.htmx import HtmxHttpRequest

from ..annotating import PaperGone, Refused
from ..blinding import visible_thread
from ..forms import first_error
from ..models import Membership
from .pages import render_review_paper_page
from .panels import PANEL_TEMPLATE, Section, load_panel, panel_context


def safe_next_url(request: HtmxHttpRequest, fallback: str) -> str:
    """The form's ``next`` if it is a path on this site, else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    on_this_site = url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure())
    if candidate.startswith("/") and on_this_site:
        return candidate
    return fallback


def annotation_response(
    request: HtmxHttpRequest,
    membership: Membership,
    paper_id: int,
    section: Section,
    *,
    refusal: Refused | None = None,
    **extra,
) -> HttpResponse:
    """Answer an annotation POST, done or refused (``refusal``, whose status is the answer's)."""
    review_paper = None if isinstance(refusal, PaperGone) else load_panel(membership, paper_id)
    if review_paper is None:
        return paper_gone_response(request, membership)
    error = {"error_section": section, "error": refusal.message} if refusal else {}
    status = refusal.status if refusal else 200
    if request.htmx:
        # compact: the decision section of a similar paper's row, which has no other sections to update.
        compact = request.POST.get("compact") == "1"
        context = panel_context(membership, review_paper, swapped=section, compact=compact, **error, **extra)
        # A decision can show (or hide again) the others' comments when the review hides them until one decides.
        if section == Section.COMMENTS or (section == Section.DECISION and membership.hides_others_comments):
            context["comments"] = visible_thread(membership, review_paper)
        return render(request, f"{PANEL_TEMPLATE}#{section}", context, status=status)
    if refusal:
        # Rendered at the POST's URL, so its forms must send the user on to where they came from, not back here.
        next_url = safe_next_url(request, review_paper.get_absolute_url()).split("#", 1)[0]
        return render_review_paper_page(
            request, membership, review_paper, status=status, next_url=next_url, **error, **extra
        )
    return HttpResponseRedirect(safe_next_url(request, review_paper.get_absolute_url()))


def annotate(
    request: HtmxHttpRequest,
    membership: Membership,
    paper_id: int,
    section: Section,
    form: Form | None,
    write: Callable[[dict], object],
    **on_refusal,
) -> HttpResponse:
    """Check ``form``, make the change with ``write(form.cleaned_data)`` and answer, done or refused
    (with ``on_refusal`` in the context, e.g. what the user typed, to show it again)."""
    try:
        if form is not None and not form.is_valid():
            raise Refused(first_error(form))
        write(form.cleaned_data if form is not None else {})
    except Refused as refusal:
        return annotation_response(request, membership, paper_id, section, refusal=refusal, **on_refusal)
    return annotation_response(request, membership, paper_id, section)


def paper_gone_response(request: HtmxHttpRequest, membership: Membership) -> HttpResponse:
    """A stale or deleted paper id: say so where the user acted, with a 404."""
    template = "reviews/paper_gone.html"
    if request.htmx:
        template += "#message"
    return render(request, template, {"review": membership.review}, status=404)
