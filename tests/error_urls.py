"""The site's URLs plus one that fails, to prove the 500 handler end to end."""

from django.urls import path

from config.urls import handler500  # noqa: F401 - the handler is read from here
from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a deliberate failure")


urlpatterns = [*site_urlpatterns, path("boom/", boom)]
