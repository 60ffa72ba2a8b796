"""The client's address for login throttling, trusting X-Forwarded-For only as far as our own proxies."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or behind MARGINALIA_PROXY_COUNT reverse proxies the
    address the outermost of them saw. Anything earlier in X-Forwarded-For is the client's own claim, which
    an attacker would vary to dodge the throttle."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.MARGINALIA_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a login attempt named, for login throttling, cut to the longest username there can be: the
    throttle keeps it in a 255-character column, and a hostile 100,000-character name must be refused like any
    wrong one, not end in a database error."""
    source = credentials or getattr(request, "POST", {}) or {}
    value = source.get("username")
    if value is None:
        return None
    user_model = get_user_model()
    return str(value)[: user_model._meta.get_field(user_model.USERNAME_FIELD).max_length]
