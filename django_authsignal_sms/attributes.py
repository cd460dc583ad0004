"""What the app tells Authsignal about a sign-in: phone number, client IP, device, names,
language."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import get_language, to_locale

from .conf import app_settings
from .log import log_event, mask_phone
from .redirects import app_url

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PHONE_NOISE = re.compile(r"[\s().-]")
USER_AGENT_LIMIT = 512


def sign_in_attributes(request: HttpRequest, user: AbstractBaseUser) -> dict[str, Any]:
    """The flat, camelCase track body; ``None`` values are dropped later."""
    return {
        "phoneNumber": phone_number(user),
        "ipAddress": client_ip(request),
        "userAgent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LIMIT] or None,
        "deviceId": request.COOKIES.get(app_settings.DEVICE_ID_COOKIE) or None,
        "username": user.get_username() or None,
        "email": getattr(user, "email", None) or None,
        "redirectUrl": _absolute_url(request, app_url("challenge")),
        "locale": active_locale(),
    }


def active_locale() -> str | None:
    """The active language as a BCP 47 tag (Django's ``pt-br`` is ``pt-BR``), for Authsignal's
    own messages; ``None`` when translation is off or deactivated."""
    language = get_language() if settings.USE_I18N else None
    return to_locale(language).replace("_", "-") if language else None


def _absolute_url(request: HttpRequest, path: str) -> str | None:
    # A request built by hand (the test client's login()) may have no host at all.
    try:
        return request.build_absolute_uri(path)
    except (KeyError, DisallowedHost):
        return None


def phone_number(user: AbstractBaseUser) -> str | None:
    """The user's phone number in E.164, from the configured attribute or callable."""
    raw = phone_number_source()(user)
    if not raw:
        return None
    phone = PHONE_NOISE.sub("", str(raw))
    if not E164.match(phone):
        log_event("phone_number_invalid", user_id=user.pk, phone=mask_phone(phone))
        return None
    return phone


def phone_number_source() -> Callable[[AbstractBaseUser], Any]:
    return _load_source(app_settings.PHONE_NUMBER)


@functools.lru_cache(maxsize=8)
def _load_source(source: str) -> Callable[[AbstractBaseUser], Any]:
    if "." in source:
        loaded: Callable[[AbstractBaseUser], Any] = import_string(source)
        return loaded
    return lambda user: getattr(user, source, None)


def client_ip(request: HttpRequest) -> str | None:
    """``REMOTE_ADDR``, unless CLIENT_IP_HEADER names a header set by trusted proxies.

    With N trusted proxies each appending to the header, the client's address is the N-th
    entry from the right: anything left of it was written by the client and can be forged.
    """
    header = app_settings.CLIENT_IP_HEADER
    if header:
        forwarded = str(request.META.get(header, ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        count = app_settings.TRUSTED_PROXY_COUNT
        if count >= 1 and len(hops) >= count and _is_ip(hops[-count]):
            return hops[-count]
    remote = str(request.META.get("REMOTE_ADDR", ""))
    return remote if _is_ip(remote) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
