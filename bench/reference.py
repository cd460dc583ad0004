"""The reference: a hand-written minimal SMS second step with Authsignal, without the app.

The least a site must do, on the same stack (Django's login form and sessions, the example
project's pages), to ask for a code after the password: one ``track`` and one ``validate``
through the ``authsignal`` SDK (one client per process, its connection kept alive, as the app
does), the pending state in the session, one code page, the page's "first send" recorded, and
one ``login()``. No budgets, no single-use claim across processes, no signals, no logging, no
enrollment, no refusal pages: what the app adds on top of this is what the benchmark's ratio to
it measures.

The code page is the app's own template (``django_authsignal_sms/challenge.html``, found through
``bench.reference_settings``' template directories), given the same context as the app gives it:
a hand-written flow that shows users the same page pays the same to render it, and the ratio
measures the machinery around the page, not the page (its wording, translations and controls are
the product, and grow with it alike). This module is the reference's views and its URLconf
(``ROOT_URLCONF`` of ``bench.reference_settings``).
"""

from __future__ import annotations

import functools
import time
from typing import Any

from authsignal.client import AuthsignalClient
from django.conf import settings
from django.contrib.auth import load_backend, login
from django.contrib.auth.views import LoginView
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from example_project.urls import urlpatterns as example_urlpatterns

PENDING = "reference_pending"
PAGE = "django_authsignal_sms/challenge.html"
SDK_URL = "https://unpkg.com/@authsignal/browser@1.16.0/dist/index.min.js"
ACTION = "signIn"
LIFETIME = 600
COOLDOWN = 30


@functools.cache
def authsignal() -> AuthsignalClient:
    client = AuthsignalClient(
        settings.AUTHSIGNAL_SECRET_KEY, api_url=settings.AUTHSIGNAL_API_URL, timeout=10
    )
    client.session.trust_env = False
    return client


class PasswordView(LoginView):
    """Django's login form; a right password asks Authsignal instead of logging in."""

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        meta = self.request.META
        answer = authsignal().track(
            str(user.pk),
            ACTION,
            {
                "phoneNumber": user.phone_number,
                "ipAddress": meta.get("REMOTE_ADDR"),
                "userAgent": meta.get("HTTP_USER_AGENT", "")[:512],
                "username": user.get_username(),
            },
        )
        if answer["state"] == "ALLOW":
            login(self.request, user)
            return redirect(self.get_success_url())
        if answer["state"] != "CHALLENGE_REQUIRED":
            return HttpResponseForbidden("refused")
        if settings.REFERENCE_ROTATES_SESSION:
            self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": str(user.pk),
            "backend": user.backend,
            "token": answer["token"],
            "key": answer["idempotency_key"],
            "next": self.get_success_url(),
            "masked_phone": "•" * 6 + user.phone_number[-2:],
            "started": time.time(),
            "sent": None,
        }
        return redirect("reference_code")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING)
    if pending is None or time.time() - pending["started"] > LIFETIME:
        return None
    return pending  # type: ignore[no-any-return]


@never_cache
def code_page(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return redirect("login")
    context = {
        "tenant_id": settings.AUTHSIGNAL_TENANT_ID,
        "base_url": settings.AUTHSIGNAL_API_URL,
        "sdk_url": SDK_URL,
        "sdk_integrity": "",
        "token": pending["token"],
        "masked_phone": pending["masked_phone"],
        "auto_send": pending["sent"] is None,
        "resend_wait": 0,
        "resend_cooldown": COOLDOWN,
        "whatsapp": False,
        "channel": "sms",
        "code_length": 6,
        "next": pending["next"],
        "page_base": "django_authsignal_sms/base.html",
        "site_name": request.get_host().rsplit(":", 1)[0],
        **{
            f"{name}_url": reverse(f"reference_{name}")
            for name in ("resend", "failed", "callback", "cancel")
        },
    }
    return render(request, PAGE, context)


@never_cache
@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    """The page asks before each send; ``first=1`` is its automatic one, once."""
    pending = _pending(request)
    if pending is None:
        return JsonResponse({"allowed": False}, status=400)
    first = request.POST.get("first") == "1"
    if first and pending["sent"] is not None:
        return JsonResponse({"allowed": False, "reason": "already_sent"}, status=409)
    if not first and time.time() - (pending["sent"] or 0) < COOLDOWN:
        return JsonResponse({"allowed": False, "reason": "cooldown"}, status=429)
    pending["sent"] = time.time()
    request.session.modified = True
    return JsonResponse({"allowed": True})


@never_cache
@require_POST
def callback(request: HttpRequest) -> HttpResponse:
    """Validate the SDK's token on the server; only then log in."""
    pending = _pending(request)
    request.session.pop(PENDING, None)
    token = request.POST.get("token", "")
    if pending is None or not token:
        return HttpResponseBadRequest("no pending sign-in")
    answer = authsignal().validate_challenge(
        {"token": token, "userId": pending["user"], "action": ACTION}
    )
    if not (
        answer.get("is_valid") is True
        and answer.get("state") == "CHALLENGE_SUCCEEDED"
        and answer.get("user_id") == pending["user"]
        and answer.get("idempotency_key") == pending["key"]
    ):
        return HttpResponseForbidden("not verified")
    user = load_backend(pending["backend"]).get_user(pending["user"])
    if user is None:
        return HttpResponseForbidden("no such user")
    login(request, user, backend=pending["backend"])
    return redirect(pending["next"])


@never_cache
@require_POST
def failed(request: HttpRequest) -> HttpResponse:
    """The page reports a wrong code here; the minimum counts nothing."""
    return JsonResponse({"ended": False})


@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING, None)
    return redirect("reference_login")


urlpatterns = [
    *(pattern for pattern in example_urlpatterns if str(pattern.pattern) != "mfa/"),
    path("ref/login/", PasswordView.as_view(), name="reference_login"),
    path("ref/code/", code_page, name="reference_code"),
    path("ref/resend/", resend, name="reference_resend"),
    path("ref/callback/", callback, name="reference_callback"),
    path("ref/failed/", failed, name="reference_failed"),
    path("ref/cancel/", cancel, name="reference_cancel"),
]
