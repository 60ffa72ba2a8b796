"""Downloading a review, or the list's filtered view, as CSV, JSONL, BibTeX or RIS (reviews/exporting/)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.htmx import HtmxHttpRequest

from ..access import get_membership
from ..exporting import FORMATS, ExportRefused, export_pieces, filename, prepare


@login_required
@require_GET
@never_cache
def review_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The export as a download, streamed a chunk of papers at a time. The query string is the review list's:
    the file holds exactly the papers that list shows, in its order, with what this member may see of them."""
    membership = get_membership(request.user, slug)
    query = request.GET.copy()
    query.pop("page", None)
    try:
        export = prepare(membership, fmt, query)
    except ExportRefused as refusal:
        return HttpResponseBadRequest(refusal.message, content_type="text/plain; charset=utf-8")
    pieces = (piece.encode() for piece in export_pieces(export, fmt))
    response = StreamingHttpResponse(pieces, content_type=FORMATS[fmt].CONTENT_TYPE)
    name = filename(membership.review.slug, fmt, view=any(query.values()))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
