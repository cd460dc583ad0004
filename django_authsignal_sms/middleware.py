"""The gate: a session with a pending record sees the site as anonymous and is steered to finish.

Thin: which URLs are exempt is decided here; everything that changes the pending login is
``flow``'s, and ``responses`` builds the answer (a redirect, or JSON for an API client).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, ResolverMatch, resolve

from . import api, flow, record, redirects
from .conf import app_settings
from .flow import HELD
from .record import MARKER_COOKIE
from .responses import respond

ALWAYS_EXEMPT = ("/favicon.ico", "/robots.txt")


class AuthsignalSmsMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(
        self, get_response: Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]
    ) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:
            return self.__acall__(request)
        # The fast path, for nearly every request: without the marker cookie nothing is read
        # (no session, no settings), and nothing is done after the view unless it was a login
        # that ``flow`` held.
        signalled = MARKER_COOKIE in request.COOKIES
        response = self.gate(request) if signalled else None
        if response is None:
            response = cast(HttpResponseBase, self.get_response(request))
        if not signalled and HELD not in vars(request):
            return response
        return self.after_view(request, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        signalled = MARKER_COOKIE in request.COOKIES
        response = await sync_to_async(self.gate)(request) if signalled else None
        if response is None:
            response = await self.get_response(request)  # type: ignore[misc]
        assert isinstance(response, HttpResponseBase)
        if not signalled and HELD not in vars(request):
            return response
        return await sync_to_async(self.after_view)(request, response)

    def gate(self, request: HttpRequest) -> HttpResponseBase | None:
        """A response for a session with a record on a non-exempt URL; ``None`` lets it on."""
        if not record.signalled(request) or not app_settings.ENABLED:
            return None
        if not record.present(request):
            return None
        if redirects.is_pending_page(request):
            return None  # the code page and its endpoints: exempt, and no resolve() to know it
        match = _resolve(request)
        view_name = match.view_name if match else None
        if view_name in app_settings.LOGOUT_URL_NAMES:
            if request.method == "POST" and match and passes_csrf(request, match.func):
                flow.log_out(request)
            return None
        if self.is_exempt(request, view_name):
            return None
        wanted = request.get_full_path() if request.method == "GET" else ""
        json = api.wants_json(request)
        outcome = flow.steer(request, wanted, json)
        return None if outcome is None else respond(request, outcome, json)

    def after_view(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Replace the login view's response when its login was held back or refused; keep
        the marker cookie in step with the record."""
        held = flow.held(request) is not None
        if held:
            json = api.wants_json(request)
            outcome = flow.after_login_view(request, response.get("Location"), json)
            assert outcome is not None
            request.user = AnonymousUser()
            response = respond(request, outcome, json)
        if held or record.signalled(request):
            record.sync_marker(request, response)
        return response

    def is_exempt(self, request: HttpRequest, view_name: str | None) -> bool:
        """Static and media files, the app's own pages, and the configured exemptions."""
        if request.path.startswith(_file_prefixes()) or request.path_info in ALWAYS_EXEMPT:
            return True
        if any(re.match(pattern, request.path_info) for pattern in app_settings.EXEMPT_URLS):
            return True
        if view_name is None:
            return False
        return view_name.startswith("authsignal_sms:") or view_name in app_settings.EXEMPT_URL_NAMES


def _resolve(request: HttpRequest) -> ResolverMatch | None:
    try:
        return resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return None


def passes_csrf(request: HttpRequest, view: Callable[..., HttpResponseBase]) -> bool:
    """Django's own CSRF check, run now: the gate acts before CsrfViewMiddleware's turn."""
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    return check.process_view(request, view, (), {}) is None


def _file_prefixes() -> tuple[str, ...]:
    urls = (settings.STATIC_URL, settings.MEDIA_URL)
    return tuple(url for url in urls if url and url.startswith("/") and url != "/")
