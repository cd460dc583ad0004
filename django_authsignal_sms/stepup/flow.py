"""A step-up's whole life: ask Authsignal about an action, hold it for a code, complete it.

The same machine as a login's, for a user who is already signed in: nothing about the signed-in
session changes but the step-up's own records (``state``). Every function returns an
``Outcome``, or ``None`` from ``guard`` when the protected view may run.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext_noop

from .. import claims, client, enrollment, methods, redirects, signals, verdict
from ..apps import AuthsignalSmsConfig
from ..attributes import phone_number, sign_in_attributes
from ..client import SmsAuthenticator, TrackResult
from ..exceptions import AuthsignalApiError, AuthsignalError
from ..flow import (
    Ledger,
    Outcome,
    code_page_of,
    counted_failure,
    counted_send,
    first_channel,
    report_error,
)
from ..log import log_event, mask_phone
from ..record import PENDING
from .config import StepUp
from .state import StepUpRecord, binding_of, is_fresh, read_pending, remember, remove_pending
from .state import write_pending as save

TOO_MANY_RESENDS = gettext_noop("Too many codes were sent. Please try again.")
TOO_MANY_FAILURES = gettext_noop("Too many wrong codes. Please try again.")


def guard(request: HttpRequest, step: StepUp, custom: dict[str, Any]) -> Outcome | None:
    """``None`` when the view may run: a fresh step-up for this action and data, or Authsignal
    allows it; else how the request is answered (the code page, a refusal)."""
    user: Any = request.user
    binding = binding_of(custom, step.bind)
    if is_fresh(request, step.action, binding, step.max_age):
        return None
    back = _back_url(request)
    attributes = _attributes(request, user, custom)
    enrolled: SmsAuthenticator | None = None
    try:
        result = _track(user, step.action, attributes)
        if enrollment.needs_enrollment(result, user):
            # Authsignal ALLOWs a user with no authenticator whatever the rules say: under the
            # site's policy, enroll the number on file and ask for a code, as at login.
            phone = attributes.get("phoneNumber")
            if not phone:
                return refused(request, user, step.action, "step_up_unavailable", back)
            enrolled = enrollment.enroll_number_on_file(request, user, phone)
            result = _track(user, step.action, attributes)
    except AuthsignalError as error:
        failed_open = step.fail_open and error.is_outage
        report_error(request, error, user_id=str(user.pk), user=user, failed_open=failed_open)
        return None if failed_open else Outcome("refused", "step_up_error", 503, back)
    if result.state == "ALLOW" and enrolled is None:
        return None
    if result.state == "REVIEW_REQUIRED":
        return refused(request, user, step.action, "step_up_review", back)
    if result.state not in ("ALLOW", "CHALLENGE_REQUIRED"):
        return refused(request, user, step.action, "step_up_blocked", back)
    if not result.token or not methods.offered(result):
        return refused(request, user, step.action, "step_up_unavailable", back)
    pending = StepUpRecord(
        outcome=PENDING,
        user_id=str(user.pk),
        token=result.token,
        idempotency_key=result.idempotency_key,
        action=step.action,
        masked_phone=mask_phone(phone_number(user)),
        whatsapp="WHATSAPP" in result.allowed_methods,
        methods=methods.offered(result),
        channel=first_channel(methods.offered(result)),
        next_url=back,
        retry_url=back,
        authenticator_id=enrolled.authenticator_id if enrolled else "",
        verified_baseline=enrolled.last_verified_at if enrolled else "",
        confirm_allow=result.state == "ALLOW",
        binding=binding,
        purpose=step.purpose_of(request, custom),
        resubmit=request.method not in ("GET", "HEAD"),
    )
    return hold(request, user, pending)


def hold(request: HttpRequest, user: Any, pending: StepUpRecord) -> Outcome:
    """The step-up waits for its code: kept in the session, signalled, the code page next (a
    guard's, or the security page's code to the current number)."""
    save(request, pending)
    signals.step_up_required.send(
        AuthsignalSmsConfig,
        request=request,
        user=user,
        action=pending.action,
        idempotency_key=pending.idempotency_key,
    )
    return Outcome("verify", record=pending, url=code_page_url())


def _track(user: Any, action: str, attributes: dict[str, Any]) -> TrackResult:
    result = client.track_action(str(user.pk), action, attributes)
    log_event("step_up_tracked", user_id=user.pk, action=action, state=result.state)
    return result


def code_page_url() -> str:
    return redirects.app_url("step_up_challenge")


def _attributes(
    request: HttpRequest, user: AbstractBaseUser, custom: dict[str, Any]
) -> dict[str, Any]:
    attributes = sign_in_attributes(request, user)
    attributes["redirectUrl"] = None
    attributes["custom"] = custom or None
    return attributes


def _back_url(request: HttpRequest) -> str:
    """Where the user goes after the step-up: the page itself, or, for a POST, its GET (a POST
    body is never stored or replayed: the user submits again)."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return request.path


def refused(request: HttpRequest, user: Any, action: str, reason: str, back: str) -> Outcome:
    """Authsignal refused the action (or no code can be sent for it): logged and signalled."""
    log_event("step_up_refused", logging.WARNING, user_id=user.pk, action=action, reason=reason)
    signals.step_up_refused.send(
        AuthsignalSmsConfig, request=request, user=user, action=action, reason=reason
    )
    return Outcome("refused", reason, 403, back)


# The code page and what it reports


def open_code_page(request: HttpRequest, send_now: bool) -> Outcome:
    current = _live(request)
    return current if isinstance(current, Outcome) else code_page_of(current, send_now)


def count_resend(request: HttpRequest, first: bool = False) -> Outcome:
    current = _live(request)
    return (
        current if isinstance(current, Outcome) else counted_send(request, current, first, STEP_UP)
    )


def count_failure(request: HttpRequest) -> Outcome:
    current = _live(request)
    return current if isinstance(current, Outcome) else counted_failure(request, current, STEP_UP)


def cancel(request: HttpRequest) -> Outcome:
    current = remove_pending(request)
    return Outcome("redirect", url=current.retry_url if current else "/")


# Complete: the callback


def complete(request: HttpRequest, token: str) -> Outcome:
    """Validate the token for this user, this action and this track; then record the step-up."""
    current = remove_pending(request)
    user: Any = request.user
    if current is None or not user.is_authenticated or current.user_id != str(user.pk):
        return _fail(request, current, "no_pending", 400)
    if current.is_expired():
        return _fail(request, current, "expired", 400)
    if not token or len(token) > verdict.TOKEN_MAX_LENGTH:
        return _fail(request, current, "missing_token", 400)
    if not claims.claim(current):
        return _fail(request, current, "replayed", 403)
    try:
        result = client.validate_challenge(token, current.user_id, current.action)
    except AuthsignalApiError as error:
        if error.refuses_the_token:
            return _fail(request, current, error.code or "invalid_token", 403)
        return _outage(request, current, error)
    except AuthsignalError as error:
        return _outage(request, current, error)
    problem = verdict.problem_with(result, current)
    if problem:
        return _fail(request, current, problem, 403)
    remember(request, current)
    signals.step_up_succeeded.send(
        AuthsignalSmsConfig, request=request, user=user, action=current.action
    )
    log_event("step_up_succeeded", user_id=current.user_id, action=current.action)
    data = {"action": current.action, "resubmit": current.resubmit}
    return Outcome("stepped_up", url=current.next_url, record=current, data=data)


def _outage(request: HttpRequest, current: StepUpRecord, error: AuthsignalError) -> Outcome:
    report_error(request, error, user_id=current.user_id)
    request.session.save()  # SessionMiddleware does not save on 5xx: the record stays used
    return Outcome("refused", "step_up_error", 503, current.retry_url, data={"code": "unavailable"})


def _live(request: HttpRequest) -> StepUpRecord | Outcome:
    current = read_pending(request)
    user: Any = request.user
    if current is None or not user.is_authenticated or current.user_id != str(user.pk):
        return Outcome("refused", "step_up_none", 400, "/")
    if current.is_expired():
        return _fail(request, current, "expired", 400)
    return current


def _fail(request: HttpRequest, current: StepUpRecord | None, reason: str, status: int) -> Outcome:
    page = "step_up_none" if reason == "no_pending" else "step_up_failed"
    outcome = Outcome("refused", page, status, data={"code": reason})
    return _end(request, current, reason, outcome)


def _end(
    request: HttpRequest, current: StepUpRecord | None, reason: str, outcome: Outcome
) -> Outcome:
    remove_pending(request)
    user_id = current.user_id if current else ""
    action = current.action if current else ""
    log_event("step_up_failed", logging.WARNING, user_id=user_id, action=action, reason=reason)
    signals.step_up_failed.send(
        AuthsignalSmsConfig, request=request, user_id=user_id, action=action, reason=reason
    )
    url = outcome.url or (current.retry_url if current else "/")
    return dataclasses.replace(outcome, url=url, record=current)


STEP_UP = Ledger(save, _end, TOO_MANY_RESENDS, TOO_MANY_FAILURES)
