"""The example project's URLs plus tiny views for the in-process benchmark."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from django_authsignal_sms.stepup import step_up_required
from example_project.urls import urlpatterns as example_urlpatterns

STEP_UP_ACTION = "benchAction"


@login_required
def minimal(request: HttpRequest) -> HttpResponse:
    """The cheapest page an authenticated user can see: the middleware's cost shows most."""
    return HttpResponse(request.user.get_username(), content_type="text/plain")


@login_required
@step_up_required(STEP_UP_ACTION)
def stepped_up(request: HttpRequest) -> HttpResponse:
    """The minimal page, protected by step-up: with a fresh step-up it runs like the minimal."""
    return HttpResponse(request.user.get_username(), content_type="text/plain")


def public(request: HttpRequest) -> HttpResponse:
    """A page that never looks at the session or the user."""
    return HttpResponse("public", content_type="text/plain")


urlpatterns = [
    *example_urlpatterns,
    path("bench/minimal/", minimal, name="bench_minimal"),
    path("bench/public/", public, name="bench_public"),
    path("bench/stepped-up/", stepped_up, name="bench_stepped_up"),
]
