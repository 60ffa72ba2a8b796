from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .converters import register_converters

# Before the apps' URLconfs are included: their routes use <id:…> and <arxiv_id:…>.
register_converters()

urlpatterns = [
    path("", include("reviews.urls")),
    path("papers/", include("papers.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

handler500 = "config.views.server_error"
