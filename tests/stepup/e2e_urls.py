"""The test project's URLs plus the page that runs tests/static/tests/step-up.js: the end-to-end
step-up tests mount it (``settings.ROOT_URLCONF``), so tests/urls.py stays as it is."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from tests.urls import urlpatterns as test_urlpatterns

step_up_page = TemplateView.as_view(template_name="tests/step-up-spa.html")

urlpatterns = [
    path("step-up-spa/", ensure_csrf_cookie(step_up_page), name="step_up_spa"),
    *test_urlpatterns,
]
