"""A strict Content-Security-Policy for the end-to-end test that proves the code page needs none
of 'unsafe-inline' or 'unsafe-eval'.

A WSGI middleware, put around the live server's application for that one test by the
``strict_csp`` fixture (tests/e2e/conftest.py): the live server lives for the whole session and
builds its Django middleware chain once, so a Django middleware could not be added per test, and
none belongs in the test settings every other test runs with.
"""

from __future__ import annotations

from urllib.parse import urlsplit

HEADER = "Content-Security-Policy"


def strict_policy(api_url: str) -> str:
    """Scripts, styles and images from the site only; fetches to the site and Authsignal's API."""
    api = urlsplit(api_url)
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self' {api.scheme}://{api.netloc}; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


class StrictCspMiddleware:
    """Every response of the wrapped WSGI application gets the strict policy (and no other)."""

    def __init__(self, application, api_url: str):
        self.application = application
        self.policy = strict_policy(api_url)

    def __call__(self, environ, start_response):
        def start_with_policy(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            return start_response(status, [*headers, (HEADER, self.policy)], exc_info)

        return self.application(environ, start_with_policy)
