"""The gate: a session with a mark sees the site as anonymous and is steered to finish the step."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, ResolverMatch, resolve

from . import api, redirects, stepup
from .conf import app_settings
from .messages import add_message
from .pages import problem_page
from .session import Mark, consume_mark, has_mark, read_mark, save_mark

EXPIRED_MESSAGE = "Your sign-in took too long to finish. Please sign in again."
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
        response = self.gate(request)
        if response is None:
            response = self.get_response(request)  # type: ignore[assignment]
        assert isinstance(response, HttpResponseBase)
        return self.steer_after_login(request, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await sync_to_async(self.gate)(request)
        if response is None:
            response = await self.get_response(request)  # type: ignore[misc]
        assert isinstance(response, HttpResponseBase)
        if getattr(request, stepup.OUTCOME, None) is None:
            return response
        return await sync_to_async(self.steer_after_login)(request, response)

    def gate(self, request: HttpRequest) -> HttpResponseBase | None:
        """A redirect for a marked session on a non-exempt URL; ``None`` lets the request on."""
        if not app_settings.ENABLED or not has_mark(request):
            return None
        mark = read_mark(request)
        if mark is None:
            return None
        match = _resolve(request)
        view_name = match.view_name if match else None
        if view_name in app_settings.LOGOUT_URL_NAMES:
            if request.method == "POST" and match and passes_csrf(request, match.func):
                # Some logout views (allauth's) do nothing for an anonymous user, and a pending
                # session is anonymous: end the pending login here, on a same-site POST only.
                request.session.flush()
            return None
        if self.is_exempt(request, view_name):
            return None
        if not mark.is_pending:
            return self.refuse(request, mark)
        if mark.is_expired():
            return self.expire(request)
        if api.wants_json(request):
            return api.verification_needed(mark)
        wanted = request.get_full_path() if request.method == "GET" else mark.next_url
        return HttpResponseRedirect(redirects.challenge_url(redirects.safe_next(request, wanted)))

    def steer_after_login(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        """Replace the login view's response when the receiver held the login back."""
        outcome = getattr(request, stepup.OUTCOME, None)
        mark = read_mark(request) if outcome else None
        if mark is None:
            return response
        request.user = AnonymousUser()
        mark.next_url = redirects.safe_next(request, response.get("Location"))
        save_mark(request, mark)
        if not mark.is_pending:
            return self.refuse(request, mark)
        if api.wants_json(request):
            return api.verification_needed(mark)
        return HttpResponseRedirect(redirects.challenge_url(mark.next_url))

    def refuse(self, request: HttpRequest, mark: Mark) -> HttpResponseBase:
        """The denied page (which says why), or for an API client the refusal itself."""
        if not api.wants_json(request):
            return HttpResponseRedirect(redirects.denied_url())
        consume_mark(request)
        return problem_page(request, mark.outcome, redirects.retry_url(mark), 403)

    def expire(self, request: HttpRequest) -> HttpResponseBase:
        mark = consume_mark(request)
        response = HttpResponseRedirect(redirects.retry_url(mark))
        add_message(request, response, EXPIRED_MESSAGE)
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
