"""The site's own error views (500, 503 while the database is away, CSRF failure, login lockout) and /healthz."""

import logging
import math
import sys

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# What a visitor sees if even the 500 template cannot be rendered (a broken static manifest, say).
BARE_SERVER_ERROR = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Server error · Marginalia</title></head>'
    '<body><h1>Something went wrong on our side</h1><p><a href="/">Back to Marginalia</a></p></body></html>'
)
BARE_UNAVAILABLE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable · Marginalia'
    "</title></head><body><h1>Marginalia is temporarily unavailable</h1><p>Try again in a minute.</p></body></html>"
)
# Seconds a browser or load balancer is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30

# How Django reports a database it cannot reach (a refused connection, a server restarting, a dropped
# connection): psycopg's OperationalError and InterfaceError, wrapped in Django's.
DATABASE_AWAY = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without the request: whatever failed may be in the middleware or the context.

    When what failed was reaching the database, the answer is a 503 "temporarily unavailable" instead: it
    is handled here rather than in a middleware, because here it is caught wherever it was raised (a view,
    the session middleware, a template). Django closes the broken connection at the end of the request and
    opens a new one on the next, so the site comes back by itself with the database.
    """
    if isinstance(sys.exc_info()[1], DATABASE_AWAY):
        return database_unavailable()
    try:
        return HttpResponseServerError(render_to_string("500.html"))
    except Exception:
        return HttpResponseServerError(BARE_SERVER_ERROR)


def database_unavailable() -> HttpResponse:
    try:
        body = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    except Exception:
        body = BARE_UNAVAILABLE
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (an expired page or a lost cookie) in the site's layout; rendering it sets a fresh token."""
    try:
        return render(request, "403_csrf.html", {"reason": reason}, status=403)
    except Exception:
        return HttpResponseForbidden("The form could not be accepted: reload the page and try again.")


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once a username has failed too often from one address: the login page again, with
    the reason and when to come back, as a 429 (Too Many Requests)."""
    from django.contrib.auth.forms import AuthenticationForm

    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out_minutes": minutes, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers and every migration is applied, else 503 and why.

    It reads no session and needs no login; the check is one trivial query plus the migration table.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DATABASE_AWAY as error:
        logger.warning("healthz: database unreachable: %s", error)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if unapplied:
        names = [f"{migration.app_label}.{migration.name}" for migration, _backwards in unapplied]
        return JsonResponse(
            {"status": "unavailable", "database": "ok", "unapplied_migrations": names[:20], "count": len(names)},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "migrations": "applied"})
