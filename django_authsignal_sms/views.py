"""The code page, the callback that completes the login, and the page's small POST endpoints.

Thin: each view asks ``flow`` and turns its outcome into a response.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar, Protocol

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from . import api, flow, passkey_offer, redirects
from .conf import app_settings
from .decorated_view import DecoratedView, ViewDecorators
from .flow import Outcome
from .look import page_look
from .methods import NAMES, offered_by
from .passkey_offer_views import offer_url
from .record import PendingRecord
from .responses import respond
from .verdict import offers_whatsapp

# Authsignal's SMS and WhatsApp codes: the page submits by itself once this many digits are in.
CODE_LENGTH = 6


class ChallengeView(DecoratedView):
    """The code page of a pending login (or, in stepup.views, of a pending step-up)."""

    decorators = (never_cache, csrf_protect)
    template_name = "django_authsignal_sms/challenge.html"
    http_method_names = ["get", "head"]
    open_code_page = staticmethod(flow.open_code_page)
    responder = staticmethod(respond)
    endpoint_prefix = ""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # HEAD (a link preview, a monitor) must not use up the automatic send.
        outcome = self.open_code_page(request, send_now=request.method == "GET")
        if outcome.kind != "code_page":
            return self.responder(request, outcome, api.wants_json(request))
        return render(request, self.template_name, self.page_context(request, outcome))

    def page_context(self, request: HttpRequest, outcome: Outcome) -> dict[str, Any]:
        pending = outcome.record
        assert pending is not None
        next_url = redirects.safe_next(request, request.GET.get("next")) or pending.next_url
        return {
            "tenant_id": app_settings.TENANT_ID,
            "base_url": app_settings.CLIENT_API_URL,
            "sdk_url": app_settings.BROWSER_SDK_URL,
            "sdk_integrity": app_settings.BROWSER_SDK_INTEGRITY,
            "token": pending.token,
            "masked_phone": pending.masked_phone,
            "auto_send": outcome.data["auto_send"],
            "resend_wait": outcome.data["resend_wait"],
            "resend_cooldown": app_settings.RESEND_COOLDOWN,
            "whatsapp": offers_whatsapp(pending),
            "channel": pending.channel if offers_whatsapp(pending) else "sms",
            **methods_of(pending),
            "code_length": CODE_LENGTH,
            "next": next_url,
            **endpoints(self.endpoint_prefix),
            **page_look(request, pending.retry_url, next_url),
        }


class Steps(Protocol):
    """What the page's POST endpoints call: ``flow`` (a login), ``stepup.flow`` (a step-up) or
    ``security.change`` (a new sign-in phone)."""

    def count_resend(self, request: HttpRequest, first: bool = False) -> Outcome: ...

    def count_failure(self, request: HttpRequest) -> Outcome: ...

    def cancel(self, request: HttpRequest) -> Outcome: ...


class SignedInSteps(Steps, Protocol):
    """The machine of a signed-in user's code page (``stepup.flow``, ``security.change``): the
    token alone completes it; where the user goes next is its record's."""

    def complete(self, request: HttpRequest, token: str) -> Outcome: ...


class PendingPostView(DecoratedView):
    """A POST endpoint of a pending sign-in (or step-up): CSRF-checked, never cached, JSON by
    default; ``responder`` turns the outcome into the response.

    The login's endpoints are these classes as they are; another machine's are the same classes
    given its ``steps`` and ``responder`` (``ResendView.as_view(steps=..., responder=...)``)."""

    decorators: ClassVar[ViewDecorators] = (never_cache, csrf_protect)
    http_method_names = ["post"]
    answers_json = True
    responder = staticmethod(respond)
    # The machine the endpoint drives: the pending login's, or another's (see above).
    steps: Steps = flow

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        json_answer = self.answers_json or api.wants_json(request)
        return self.responder(request, self.outcome(request), json_answer)

    def outcome(self, request: HttpRequest) -> Outcome:
        raise NotImplementedError


class CallbackView(PendingPostView):
    """Validates the verification token server-side; only then is the login final."""

    decorators = (sensitive_post_parameters("token"), never_cache, csrf_protect)
    answers_json = False

    def outcome(self, request: HttpRequest) -> Outcome:
        token, next_url = posted(request)
        outcome = flow.complete(request, token, next_url)
        offered = outcome.kind == "signed_in" and passkey_offer.is_marked(request)
        if offered and not api.wants_json(request):
            return dataclasses.replace(outcome, url=offer_url(outcome.url))
        return outcome


class SignedInCallbackView(CallbackView):
    """The callback of a signed-in user's code page: completes ``steps`` with the token."""

    steps: SignedInSteps

    def outcome(self, request: HttpRequest) -> Outcome:
        token, _next = posted(request)
        return self.steps.complete(request, token)


class ResendView(PendingPostView):
    """Says whether the page may ask Authsignal for a code (``first=1``: the automatic one) on
    ``channel`` (``sms``, or ``whatsapp`` when offered; anything else is a 400), counts it and
    records the channel."""

    def outcome(self, request: HttpRequest) -> Outcome:
        return self.steps.count_resend(request, first=request.POST.get("first") == "1")


class FailedView(PendingPostView):
    """Counts a wrong code reported by the page."""

    def outcome(self, request: HttpRequest) -> Outcome:
        return self.steps.count_failure(request)


class CancelView(PendingPostView):
    """Abandons the pending sign-in."""

    answers_json = False

    def outcome(self, request: HttpRequest) -> Outcome:
        return self.steps.cancel(request)


class DeniedView(DecoratedView):
    """Says once why a sign-in was refused."""

    decorators = (never_cache,)
    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return respond(request, flow.open_refusal_page(request), api.wants_json(request))


def methods_of(pending: PendingRecord) -> dict[str, Any]:
    """The methods the page offers by their page names (``passkey``, ``sms``, ``whatsapp``,
    ``email``), and the one it opens with: the default until a code was sent, then where the
    last code went."""
    names = [NAMES[method] for method in offered_by(pending)] or ["sms"]
    start = names[0] if pending.sent_at is None else pending.channel
    return {
        "methods": names,
        "method": start if start in names else names[0],
        "email": "email" in names,
        "passkey": "passkey" in names,
        "phone": "sms" in names or "whatsapp" in names,
    }


def endpoints(prefix: str) -> dict[str, str]:
    """The URLs the code page's script and forms post to: the login's (``""``) or the step-up's
    (``"step_up_"``)."""
    names = ("resend", "failed", "callback", "cancel")
    urls = redirects.app_urls(*(f"{prefix}{name}" for name in names))
    return {f"{name}_url": url for name, url in zip(names, urls, strict=True)}


def posted(request: HttpRequest) -> tuple[str, str | None]:
    """The verification token and ``next`` from a form post, or from a JSON body (an API
    client); a body too big for Django to read counts as no token (the attempt still ends)."""
    try:
        if request.content_type != "application/json":
            return str(request.POST.get("token", "")), request.POST.get("next")
        body = json.loads(request.body or b"{}")
    except (ValueError, RequestDataTooBig):
        return "", None
    token = body.get("token") if isinstance(body, dict) else None
    return (token if isinstance(token, str) else ""), None


# A pending session is anonymous: with LoginRequiredMiddleware these pages must stay reachable.
challenge = login_not_required(ChallengeView.as_view())
callback = login_not_required(CallbackView.as_view())
resend = login_not_required(ResendView.as_view())
failed = login_not_required(FailedView.as_view())
cancel = login_not_required(CancelView.as_view())
denied = login_not_required(DeniedView.as_view())
