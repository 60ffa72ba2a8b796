from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .converters import register_converters

# Before the apps' URLconfs are included: their routes use <id:…> and <arxiv_id:…>.
register_converters()

urlpatterns = [
    path("", include("reviews.urls")),
    path("papers/", include("papers.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # The admin's login page shows "Forgotten your password?" when this name exists; it is the same form.
    path("admin/password-reset/", auth_views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

handler500 = "config.views.server_error"
