"""JSON answers for API clients: a single-page app or a DRF view gets data, not HTML redirects.

A pending login answers 401 with what the browser SDK needs (the token, the tenant, the base
URL, the methods) and the URL that takes the verification token; a refusal answers with a code.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from . import redirects
from .conf import app_settings
from .session import Mark
from .stepup import API_LOGIN


def wants_json(request: HttpRequest) -> bool:
    """A login through DRF, or a request that asks for JSON (and not for a page)."""
    if getattr(request, API_LOGIN, False):
        return True
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return True
    return request.content_type == "application/json"


def verification_needed(mark: Mark) -> JsonResponse:
    """401: the password was accepted; a code must be verified to finish signing in."""
    methods = ["SMS", *(["WHATSAPP"] if offers_whatsapp(mark) else [])]
    left = max(0, int(mark.started + app_settings.PENDING_LIFETIME - time.time()))
    body: dict[str, Any] = {
        "detail": "Enter the code sent to your phone to finish signing in.",
        "code": "verification_required",
        "verification": {
            "token": mark.token,
            "tenantId": app_settings.TENANT_ID,
            "baseUrl": app_settings.CLIENT_API_URL,
            "methods": methods,
            "maskedPhone": mark.masked_phone,
            "callbackUrl": reverse("authsignal_sms:callback"),
            "cancelUrl": reverse("authsignal_sms:cancel"),
            "expiresIn": left,
        },
    }
    return JsonResponse(body, status=401)


def refusal(code: str, detail: str, retry_url: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "retryUrl": retry_url}, status=status)


def signed_in(next_url: str) -> JsonResponse:
    return JsonResponse({"code": "signed_in", "next": next_url or redirects.after_login_url()})


def offers_whatsapp(mark: Mark) -> bool:
    return app_settings.WHATSAPP and mark.whatsapp
