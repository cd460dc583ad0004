"""Production (``check --deploy``): not the emulator (E010), not plain http (E014), the API's
/v1 base (W011), and the code step on (W006)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..conf import _option, app_settings
from ..testing.loopback import reaches_this_machine
from .reading import is_http_url, plain_http_elsewhere, split_url, url_host

API_VERSION_PATH = "/v1"


def _authsignal_urls() -> list[tuple[str, str]]:
    """(how to name it, URL) for the server's base URL and, when set, the browser's."""
    urls = [("AUTHSIGNAL_API_URL", app_settings.API_URL)]
    client_url = _option("CLIENT_API_URL")
    if isinstance(client_url, str):
        urls.append(("AUTHSIGNAL_SMS['CLIENT_API_URL']", client_url))
    return urls


def check_emulator_in_production(**kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{name} points at this machine ({host}) with DEBUG=False.",
            hint="The local emulator is for development only; use your region's "
            "Authsignal URL in production.",
            id="authsignal_sms.E010",
        )
        for name, url in _authsignal_urls()
        if (host := url_host(url)) and reaches_this_machine(host)
    ]


def check_plain_http(**kwargs: Any) -> list[CheckMessage]:
    # An Error: the server sends its secret key with every request and trusts the answers, so
    # whoever is on the path could read the key and answer "CHALLENGE_SUCCEEDED" for anyone.
    return [
        Error(
            f"{name} {url!r} is plain http:// to another machine.",
            hint="Use https://: the secret key travels with every server request, and a forged "
            "answer would let a login through without its code.",
            id="authsignal_sms.E014",
        )
        for name, url in _authsignal_urls()
        if plain_http_elsewhere(url)
    ]


def check_api_version_path(**kwargs: Any) -> list[CheckMessage]:
    return [
        Warning(
            f"{name} {url!r} does not end with {API_VERSION_PATH}: Authsignal's API lives under "
            f"{API_VERSION_PATH}, and the SDKs append their paths to this base.",
            hint="Use your region's base URL with /v1, e.g. https://api.authsignal.com/v1. If a "
            "proxy of yours maps another path onto it, silence with SILENCED_SYSTEM_CHECKS = "
            "['authsignal_sms.W011'].",
            id="authsignal_sms.W011",
        )
        for name, url in _authsignal_urls()
        if is_http_url(url) and not _path_of(url).rstrip("/").endswith(API_VERSION_PATH)
    ]


def _path_of(url: str) -> str:
    parts = split_url(url)
    return parts.path if parts else ""


def check_disabled_in_production(**kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG or app_settings.ENABLED:
        return []
    return [
        Warning(
            "AUTHSIGNAL_SMS['ENABLED'] is False with DEBUG=False: logins complete with the "
            "password alone.",
            hint="Turn it on in production (ENABLED = False is for test settings); if the code "
            "step is off on purpose, silence with SILENCED_SYSTEM_CHECKS = "
            "['authsignal_sms.W006'].",
            id="authsignal_sms.W006",
        )
    ]
