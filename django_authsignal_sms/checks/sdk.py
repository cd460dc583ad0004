"""Where the code page loads the browser SDK from: a URL a browser can use on any page (E012),
over https in production (W010, ``check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from ..conf import _option
from .reading import plain_http_elsewhere, split_url

NAME = "AUTHSIGNAL_SMS['BROWSER_SDK_URL']"


def _configured_url() -> str | None:
    """The option when it is a non-empty string; None (the vendored copy) and wrong types
    (E005's) are not checked here."""
    url = _option("BROWSER_SDK_URL")
    return url if isinstance(url, str) and url else None


def check_browser_sdk_url(**kwargs: Any) -> list[CheckMessage]:
    url = _configured_url()
    problem = _problem_with(url) if url else None
    if not problem:
        return []
    return [
        Error(
            f"{NAME} {url!r} {problem}.",
            hint="Give an absolute URL, https://… or a path from the site's root (/static/…); "
            "or remove the option: the page then loads the copy shipped with the app from your "
            "static files.",
            id="authsignal_sms.E012",
        )
    ]


def _problem_with(url: str) -> str | None:
    parts = split_url(url)
    if parts is None:
        return "does not parse as a URL"
    if parts.scheme and parts.scheme not in ("http", "https"):
        return f"is a {parts.scheme}: URL, not http(s)"
    if parts.scheme or url.startswith("//"):
        return None if parts.hostname else "has no host"
    if not url.startswith("/"):
        return (
            "is relative: the browser would resolve it against the code page's own URL "
            "(…/mfa/challenge/), where there is no SDK"
        )
    return None


def check_browser_sdk_over_http(**kwargs: Any) -> list[CheckMessage]:
    url = _configured_url()
    if url is None or not plain_http_elsewhere(url):
        return []
    return [
        Warning(
            f"{NAME} {url!r} is plain http:// to another machine.",
            hint="Use https:// (browsers refuse an http script on an https page); only the "
            "integrity hash (BROWSER_SDK_INTEGRITY) would stand between the page and a "
            "tampered script.",
            id="authsignal_sms.W010",
        )
    ]
