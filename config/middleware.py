import logging
import time

from django.core.exceptions import BadRequest
from django.utils.functional import SimpleLazyObject, empty

request_log = logging.getLogger("marginalia.requests")


class RejectNulCharactersMiddleware:
    """A 400 for a query string or form that holds a NUL character, which no field of this site accepts.

    PostgreSQL text cannot hold NUL, so one that reaches a query is a DataError and a 500. Django's form
    fields already refuse it; this covers the lookups no form validates first, such as the admin's search
    boxes, list filters and autocomplete.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for data in (request.GET, request.POST):
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise BadRequest("A NUL character in the request's parameters.")
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answers ``/healthz`` ahead of the rest of the stack (config.views.healthz).

    A load balancer probes each app server at its own address and over plain HTTP: the host check, the
    redirect to HTTPS, sessions and CSRF would turn a healthy server's answer into a 400 or a 301.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from .views import healthz

            return healthz(request)
        return self.get_response(request)


class RequestLogMiddleware:
    """One log line per request on ``marginalia.requests``: method, path, status, duration and user id.

    The path has no query string (searches and filters stay out of the logs) and a secret in the path, an
    invitation's or a password reset's token, is masked. The user id is logged only when the request already
    loaded its user, so the log never costs a session lookup (``/healthz`` stays free of the database's
    session table).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request_log.isEnabledFor(logging.INFO):
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = loggable_path(request)
            request_log.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": self.user_id(request),
                },
            )
        return response

    @staticmethod
    def user_id(request):
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
            return None
        return user.pk if user is not None and user.is_authenticated else None


# URL arguments that are secrets: an invitation's token, a password reset's user and token.
SECRET_URL_KWARGS = ("token", "uidb64")


def loggable_path(request) -> str:
    """The request's path with any secret URL argument masked, for logs."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name in SECRET_URL_KWARGS:
            if value := match.kwargs.get(name):
                path = path.replace(str(value), "…")
    return path


class MaskSecretPaths(logging.Filter):
    """Masks secrets in the path Django's own request logging writes ("Not Found: /invitations/…/")."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple):
            record.args = tuple(loggable_path(request) if arg == request.path else arg for arg in record.args)
        return True
