"""A step-up's outcomes as responses: a redirect or a page for a browser, JSON for an API."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import api, redirects
from ..conf import app_settings
from ..flow import Outcome
from ..methods import offered_by
from ..notices import add_notice
from ..pages import problem_page
from ..responses import problem_json
from .state import StepUpRecord

SUBMIT_AGAIN = gettext_noop("Confirmed. Please submit the form again.")


def respond(request: HttpRequest, outcome: Outcome, json: bool) -> HttpResponseBase:
    response = _json(outcome) if json else _page(request, outcome)
    if outcome.notice:
        add_notice(request, response, outcome.notice)
    elif outcome.kind == "stepped_up" and outcome.data.get("resubmit") and not json:
        add_notice(request, response, SUBMIT_AGAIN)
    return response


def not_signed_in(request: HttpRequest, json: bool) -> HttpResponseBase:
    if json:
        body = {"code": "not_authenticated", "detail": _("Sign in first.")}
        return JsonResponse(body, status=401)
    return redirect_to_login(request.get_full_path())


def _page(request: HttpRequest, outcome: Outcome) -> HttpResponseBase:
    if outcome.kind == "refused":
        return problem_page(request, outcome.reason, outcome.url, outcome.status, back=True)
    return HttpResponseRedirect(outcome.url)


def _json(outcome: Outcome) -> HttpResponseBase:
    if outcome.kind == "verify" and isinstance(outcome.record, StepUpRecord):
        return step_up_needed(outcome.record)
    if outcome.kind == "refused":
        return problem_json(outcome)
    if outcome.kind == "stepped_up":
        return JsonResponse({"code": "stepped_up", **outcome.data, "next": outcome.url})
    if outcome.kind == "ended":
        return api.ended(outcome.reason, outcome.url, outcome.status)
    if outcome.kind in ("resend", "counted"):
        return JsonResponse(outcome.data, status=outcome.status)
    return HttpResponseRedirect(outcome.url)


def step_up_needed(pending: StepUpRecord) -> JsonResponse:
    """403: the action needs a code; what a single-page app needs to run the browser SDK."""
    left = max(0, int(pending.started + app_settings.PENDING_LIFETIME - time.time()))
    body: dict[str, Any] = {
        "code": "step_up_required",
        "detail": _("Confirm it's you: enter the code sent to your phone, then try again."),
        "stepUp": {
            "action": pending.action,
            "purpose": pending.purpose,
            "token": pending.token,
            "tenantId": app_settings.TENANT_ID,
            "baseUrl": app_settings.CLIENT_API_URL,
            "methods": offered_by(pending),
            "maskedPhone": pending.masked_phone,
            "callbackUrl": redirects.app_url("step_up_callback"),
            "cancelUrl": redirects.app_url("step_up_cancel"),
            "expiresIn": left,
        },
    }
    return JsonResponse(body, status=403)
