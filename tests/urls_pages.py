"""The test project's URLs, plus a preview of each problem page (pages.WORDING's reasons), for
the accessibility tests to reach the refusals no easy flow leads to."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from django_authsignal_sms import pages
from tests.urls import urlpatterns as test_urlpatterns


def problem_preview(request: HttpRequest, reason: str) -> HttpResponse:
    """The page the app shows for ``reason``; a step-up's offers to go back, as the app's do."""
    if reason not in pages.WORDING:
        raise Http404("no problem page for this reason")
    step_up = reason.startswith("step_up_")
    retry_url = "/transfer/" if step_up else "/accounts/login/"
    return pages.problem_page(request, reason, retry_url, status=200, back=step_up)


urlpatterns = [
    *test_urlpatterns,
    path("problem-preview/<str:reason>/", problem_preview, name="problem_preview"),
]
