"""Where the gate sends people, and which ``next`` URLs are safe to keep."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .session import Mark


def safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` if it stays on this site, else ``""``."""
    if not url:
        return ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


def challenge_url(next_url: str) -> str:
    return _with_next(reverse("authsignal_sms:challenge"), next_url)


def denied_url() -> str:
    return reverse("authsignal_sms:denied")


def retry_url(mark: Mark | None) -> str:
    """The login page to go back to, keeping where the user was heading."""
    if mark is None:
        return resolve_url(settings.LOGIN_URL)
    return _with_next(mark.retry_url or resolve_url(settings.LOGIN_URL), mark.next_url)


def after_login_url() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    if not next_url:
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'next': next_url})}"
