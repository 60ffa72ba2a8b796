from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="papers:list", permanent=False), name="home"),
    path("papers/", include("papers.urls")),
    path("admin/", admin.site.urls),
]
