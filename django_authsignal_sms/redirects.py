"""Where people are sent, and which ``next`` URLs are safe to keep."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from .record import PendingRecord

# The URL names of login views: a login made there is retried there.
LOGIN_URL_NAMES = {"login", "account_login"}


def safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` if it stays on this site, else ``""``."""
    if not url:
        return ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


def app_url(name: str) -> str:
    """``reverse("authsignal_sms:<name>")``, remembered: the password step and the code page
    ask for the same few URLs on every request, and a reverse() costs tens of microseconds."""
    return _reversed(name, *_reverse_key())


def app_urls(*names: str) -> list[str]:
    """``app_url`` of each name, for the price of one: the key costs more than a lookup."""
    key = _reverse_key()
    return [_reversed(name, *key) for name in names]


def _reverse_key() -> tuple[object, str, str | None]:
    """What a reverse depends on: the URLconf, the script prefix and the language (for
    ``i18n_patterns``). Three thread-and-task locals, a few microseconds."""
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language()


@functools.lru_cache(maxsize=256)
def _reversed(name: str, urlconf: object, script_prefix: str, language: str | None) -> str:
    return reverse(f"authsignal_sms:{name}")


# The pages a pending sign-in uses: the gate lets them through without resolving the URL.
PENDING_PAGES = ("challenge", "resend", "callback", "failed", "cancel", "denied")


def is_pending_page(request: HttpRequest) -> bool:
    """Whether the request is for one of ``PENDING_PAGES``, known from its path alone.

    Only for a request without a URLconf of its own: set by a middleware, it applies only once
    the view is resolved, after the gate. ``False`` only means "not known this way".
    """
    if getattr(request, "urlconf", None) is not None:
        return False
    return request.path in _pending_pages(*_reverse_key())


@functools.lru_cache(maxsize=64)
def _pending_pages(urlconf: object, script_prefix: str, language: str | None) -> frozenset[str]:
    try:
        paths = [_reversed(name, urlconf, script_prefix, language) for name in PENDING_PAGES]
    except NoReverseMatch:  # the app's URLs are not included (check W003)
        return frozenset()
    return frozenset(paths)


def code_page(next_url: str) -> str:
    return _with_next(app_url("challenge"), next_url)


def refusal_page() -> str:
    return app_url("denied")


def login_page_of(request: HttpRequest) -> str:
    """The login page this login was made on, to try again there; else ``LOGIN_URL``."""
    match = request.resolver_match
    if match is not None and match.url_name in LOGIN_URL_NAMES:
        return request.path
    return resolve_url(settings.LOGIN_URL)


def back_to_login(record: PendingRecord | None) -> str:
    """The login page to go back to, keeping where the user was heading."""
    if record is None:
        return resolve_url(settings.LOGIN_URL)
    return _with_next(record.retry_url or resolve_url(settings.LOGIN_URL), record.next_url)


def after_login() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    if not next_url:
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'next': next_url})}"
