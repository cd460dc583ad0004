"""The example project's URLs plus two tiny views for the in-process benchmark."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from example_project.urls import urlpatterns as example_urlpatterns


@login_required
def minimal(request: HttpRequest) -> HttpResponse:
    """The cheapest page an authenticated user can see: the middleware's cost shows most."""
    return HttpResponse(request.user.get_username(), content_type="text/plain")


def public(request: HttpRequest) -> HttpResponse:
    """A page that never looks at the session or the user."""
    return HttpResponse("public", content_type="text/plain")


urlpatterns = [
    *example_urlpatterns,
    path("bench/minimal/", minimal, name="bench_minimal"),
    path("bench/public/", public, name="bench_public"),
]
