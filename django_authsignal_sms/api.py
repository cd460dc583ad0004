"""API clients: a login through DRF, or a request asking for JSON, gets data, not HTML redirects.

A pending login answers 401 with what the browser SDK needs (the token, the tenant, the base
URL, the methods) and the URL that takes the verification token; a refusal answers with a code.
"""

from __future__ import annotations

import time
from typing import Any, cast

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext

from . import redirects
from .conf import app_settings
from .methods import offered_by
from .record import PendingRecord

# Set on the request when login() was called through an API wrapper (DRF's Request).
API_LOGIN = "_authsignal_sms_api_login"


def unwrap(request: Any) -> HttpRequest:
    """The ``HttpRequest`` under a wrapper such as DRF's ``Request``, which ``login()`` accepts.

    What the login decides must be set where the middleware looks: on the request Django handles.
    """
    inner = getattr(request, "_request", None)
    if not isinstance(request, HttpRequest) and isinstance(inner, HttpRequest):
        setattr(inner, API_LOGIN, True)
        return inner
    return cast(HttpRequest, request)


def wants_json(request: HttpRequest) -> bool:
    """A login through DRF, or a request that asks for JSON (and not for a page)."""
    if getattr(request, API_LOGIN, False):
        return True
    # META, not request.headers: the first read of headers parses every header of the request.
    accept = request.META.get("HTTP_ACCEPT", "")
    if "application/json" in accept and "text/html" not in accept:
        return True
    return request.content_type == "application/json"


def verification_needed(pending: PendingRecord) -> JsonResponse:
    """401: the password was accepted; a code must be verified to finish signing in."""
    methods = offered_by(pending)
    left = max(0, int(pending.started + app_settings.PENDING_LIFETIME - time.time()))
    body: dict[str, Any] = {
        "detail": gettext("Enter the code sent to your phone to finish signing in."),
        "code": "verification_required",
        "verification": {
            "token": pending.token,
            "tenantId": app_settings.TENANT_ID,
            "baseUrl": app_settings.CLIENT_API_URL,
            "methods": methods,
            "maskedPhone": pending.masked_phone,
            "callbackUrl": redirects.app_url("callback"),
            "cancelUrl": redirects.app_url("cancel"),
            "expiresIn": left,
        },
    }
    return JsonResponse(body, status=401)


def refusal(code: str, detail: str, retry_url: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "retryUrl": retry_url}, status=status)


def signed_in(next_url: str) -> JsonResponse:
    return JsonResponse({"code": "signed_in", "next": next_url})


def ended(reason: str, redirect: str, status: int) -> JsonResponse:
    """The pending login ended (expired, a limit reached): the page goes back to sign in."""
    body = {"allowed": False, "ended": True, "reason": reason, "redirect": redirect}
    return JsonResponse(body, status=status)
