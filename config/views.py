"""The site's own error views: the 500 handler and the CSRF failure view (403 and 404 are Django's views)."""

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

# What a visitor sees if even the 500 template cannot be rendered (a broken static manifest, say).
BARE_SERVER_ERROR = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Server error · Marginalia</title></head>'
    '<body><h1>Something went wrong on our side</h1><p><a href="/">Back to Marginalia</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without the request: whatever failed may be in the middleware or the context."""
    try:
        return HttpResponseServerError(render_to_string("500.html"))
    except Exception:
        return HttpResponseServerError(BARE_SERVER_ERROR)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (an expired page or a lost cookie) in the site's layout; rendering it sets a fresh token."""
    try:
        return render(request, "403_csrf.html", {"reason": reason}, status=403)
    except Exception:
        return HttpResponseForbidden("The form could not be accepted: reload the page and try again.")
