"""A fresh step-up with the current number: what changing or removing the sign-in phone needs.

The step-up machine (``stepup``: its pending record, code page, callback and verdict) with two
differences. A code is asked for even when Authsignal's rules ``ALLOW`` the action: a rule
cannot waive the proof that the user holds the current number (the callback then checks, as at a
first enrollment, that the current authenticator verified a code since the track). And a
completed step-up authorises one operation, once, within ``SECURITY_STEP_UP_MAX_AGE`` seconds,
in this session.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext

from .. import client, redirects
from ..attributes import sign_in_attributes
from ..client import SignInPhone, TrackResult
from ..conf import app_settings
from ..exceptions import AuthsignalError
from ..flow import Outcome, report_error
from ..log import log_event, mask_phone
from ..record import PENDING
from ..stepup import flow as stepup_flow
from ..stepup.flow import hold
from ..stepup.state import DONE_KEY, StepUpRecord, binding_of, is_fresh

CHANGE = "change"
REMOVE = "remove"


def purpose_of(operation: str) -> str:
    """Completes "Confirm it's you to …" on the code page."""
    if operation == REMOVE:
        return gettext("remove your sign-in phone")
    return gettext("change your sign-in phone")


def is_proven(request: HttpRequest, operation: str) -> bool:
    """A step-up for ``operation`` completed in this session, by this user, lately enough."""
    return is_fresh(
        request,
        app_settings.SECURITY_ACTION,
        _binding(operation),
        app_settings.SECURITY_STEP_UP_MAX_AGE,
    )


def use_up(request: HttpRequest) -> None:
    """A step-up authorises one operation: once used, the next one needs a new code."""
    done, action = request.session.get(DONE_KEY), app_settings.SECURITY_ACTION
    if isinstance(done, dict) and action in done:
        request.session[DONE_KEY] = {name: entry for name, entry in done.items() if name != action}


def demand(request: HttpRequest, operation: str, back: str) -> Outcome | None:
    """``None`` when the step-up is fresh; else the code page for the current number, or a
    refusal. ``back`` is where the user returns once the code is confirmed; a refusal or a
    cancel goes back to the security page."""
    if is_proven(request, operation):
        return None
    user: Any = request.user
    try:
        current = _current_phone(str(user.pk))
        if current is None:
            return refused(request, user, "step_up_unavailable", security_page_url())
        result = track(request, user, operation, "step_up_tracked")
    except AuthsignalError as error:
        report_error(request, error, user_id=str(user.pk), user=user)
        return Outcome("refused", "step_up_error", 503, security_page_url())
    refusal = _refusal_of(result)
    if refusal:
        return refused(request, user, refusal, security_page_url())
    return hold(request, user, _pending(request, user, operation, result, current, back))


def security_page_url() -> str:
    return redirects.app_url("security")


def _binding(operation: str) -> str:
    return binding_of({"operation": operation}, None)


def _current_phone(user_id: str) -> SignInPhone | None:
    phones = [phone for phone in client.sign_in_phones(user_id) if phone.is_verified]
    return phones[0] if phones else None


def track(
    request: HttpRequest, user: Any, operation: str, event: str, **attributes: Any
) -> TrackResult:
    """Track ``SECURITY_ACTION`` for ``operation`` (the step-up's, or the change's own), logged
    as ``event``; ``attributes`` are added to the sign-in's (``None`` drops one)."""
    body = {**sign_in_attributes(request, user), "redirectUrl": None, **attributes}
    body["custom"] = {"operation": operation}
    action = app_settings.SECURITY_ACTION
    result = client.track_action(str(user.pk), action, body)
    log_event(event, user_id=user.pk, action=action, state=result.state)
    return result


def _refusal_of(result: TrackResult) -> str:
    if result.state == "REVIEW_REQUIRED":
        return "step_up_review"
    if result.state not in ("ALLOW", "CHALLENGE_REQUIRED"):
        return "step_up_blocked"
    if not result.token or not result.has_sms:
        return "step_up_unavailable"
    return ""


def _pending(
    request: HttpRequest,
    user: Any,
    operation: str,
    result: TrackResult,
    current: SignInPhone,
    back: str,
) -> StepUpRecord:
    # On an action tracked ALLOW, the code must be shown to have been verified: by the current
    # authenticator's lastVerifiedAt moving on (verdict.problem_with, confirm_allow).
    allowed = result.state == "ALLOW"
    return StepUpRecord(
        outcome=PENDING,
        user_id=str(user.pk),
        token=result.token,
        idempotency_key=result.idempotency_key,
        action=app_settings.SECURITY_ACTION,
        masked_phone=mask_phone(current.phone_number),
        whatsapp="WHATSAPP" in result.allowed_methods,
        next_url=back,
        retry_url=security_page_url(),
        authenticator_id=current.authenticator_id if allowed else "",
        verified_baseline=current.last_verified_at if allowed else "",
        confirm_allow=allowed,
        binding=_binding(operation),
        purpose=purpose_of(operation),
        resubmit=request.method not in ("GET", "HEAD"),
    )


def refused(request: HttpRequest, user: Any, reason: str, back: str) -> Outcome:
    """Authsignal refused the change's step-up (or no code can be sent for it)."""
    return stepup_flow.refused(request, user, app_settings.SECURITY_ACTION, reason, back)
