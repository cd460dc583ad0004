from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


def home(request):
    return HttpResponse(f"home user={request.user.get_username() or 'anonymous'}")


@login_required
def protected(request):
    return HttpResponse(f"protected user={request.user.get_username()}")


def plain(request):
    return HttpResponse("plain")


urlpatterns = [
    path("", home, name="home"),
    path("protected/", protected, name="protected"),
    path("plain/", plain, name="plain"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=True),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("mfa/", include("django_authsignal_sms.urls")),
]
