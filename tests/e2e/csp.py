"""A strict Content-Security-Policy for the end-to-end test that proves the code page needs none
of 'unsafe-inline' or 'unsafe-eval'. Installed in tests/settings.py, active when
``E2E_STRICT_CSP`` is set (the live server builds its middleware chain once)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


class StrictCspMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(settings, "E2E_STRICT_CSP", False):
            return response
        api = urlsplit(settings.AUTHSIGNAL_API_URL)
        response["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self' {api.scheme}://{api.netloc}; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"
        )
        return response
