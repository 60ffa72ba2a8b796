from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as HtmxMiddleware leaves it, with ``request.htmx``: for views' type hints, as django-htmx advises."""

    htmx: HtmxDetails
