from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import TemplateView

from example_project.urls import urlpatterns as example_urlpatterns


def plain(request):
    return HttpResponse("plain")


# The example project's URLs, plus what the tests need beyond them.
urlpatterns = [
    *example_urlpatterns,
    path("plain/", plain, name="plain"),
    # Views protected by step-up, in each shape.
    path("stepup-tests/", include("tests.stepup.views")),
    # Logins through Django REST framework: dj-rest-auth and a single-page app's own view.
    path("", include("tests.api_views")),
    path("spa/", TemplateView.as_view(template_name="tests/spa.html"), name="spa"),
    # django-allauth, under its own prefix so it does not clash with /accounts/login/.
    path("allauth/", include("allauth.urls")),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            post_reset_login=True,
            # Named, since allauth's backend makes two (Django refuses to guess).
            post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
