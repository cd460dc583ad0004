"""The step itself: ask Authsignal after the password, and finish the login after the code."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
    login,
)
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.shortcuts import resolve_url

from . import budget, client, enrollment, signals
from .apps import AuthsignalSmsConfig
from .attributes import client_ip, phone_number, sign_in_attributes
from .client import SmsAuthenticator
from .conf import app_settings
from .exceptions import AuthsignalError
from .log import log_event, logger, mask_phone
from .session import (
    BLOCKED,
    ERROR,
    NO_PHONE,
    PENDING,
    REVIEW,
    SMS_ONLY,
    TOO_MANY,
    Mark,
    save_mark,
)

# Set on the request while the app itself calls login(), so the receiver does not track again.
FINALISING = "_authsignal_sms_finalising"
# Set on the request by ``begin``: the outcome the middleware must steer the response to.
OUTCOME = "_authsignal_sms_outcome"
# Set on the request when login() was called through an API wrapper (DRF): answer in JSON.
API_LOGIN = "_authsignal_sms_api_login"

CHALLENGE_STATES = {"CHALLENGE_REQUIRED"}
LOGIN_URL_NAMES = {"login", "account_login"}
AUTH_SESSION_KEYS = (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY)


def http_request(request: Any) -> HttpRequest:
    """The ``HttpRequest`` under a wrapper such as DRF's ``Request``, which ``login()`` accepts.

    The outcome must be set where the middleware looks: on the request Django handles.
    """
    inner = getattr(request, "_request", None)
    if not isinstance(request, HttpRequest) and isinstance(inner, HttpRequest):
        setattr(inner, API_LOGIN, True)
        return inner
    return cast(HttpRequest, request)


def begin(request: HttpRequest, user: AbstractBaseUser) -> None:
    """Track the sign-in and act on Authsignal's state; runs inside ``login()``."""
    attributes = sign_in_attributes(request, user)
    phone = attributes.get("phoneNumber")
    try:
        result = _track(user, attributes)
        enrolled: SmsAuthenticator | None = None
        if enrollment.needs_enrollment(result, user):
            if not phone:
                _cannot_challenge(request, user, NO_PHONE)
                return
            enrolled = enrollment.enroll_number_on_file(request, user, phone)
            result = _track(user, attributes)
    except AuthsignalError as error:
        _on_error(request, user, error, phone=phone)
        return
    _decide(request, user, result, enrolled, phone)


def _track(user: AbstractBaseUser, attributes: dict[str, Any]) -> client.TrackResult:
    result = client.track_sign_in(str(user.pk), attributes)
    log_event(
        "tracked",
        user_id=user.pk,
        state=result.state,
        enrolled=result.is_enrolled,
        phone=mask_phone(attributes.get("phoneNumber")),
    )
    return result


def _decide(
    request: HttpRequest,
    user: AbstractBaseUser,
    result: client.TrackResult,
    enrolled: SmsAuthenticator | None,
    phone: str | None,
) -> None:
    """ALLOW completes, unless the app just enrolled the number: then a code must confirm it."""
    state = result.state
    if state == "ALLOW" and enrolled is None:
        return
    if state == "REVIEW_REQUIRED":
        _deny(request, REVIEW)
        signals.login_review.send(AuthsignalSmsConfig, request=request, user=user)
    elif state not in ("ALLOW", *CHALLENGE_STATES):
        _deny(request, BLOCKED)
        signals.login_blocked.send(AuthsignalSmsConfig, request=request, user=user, state=state)
    elif not result.token:
        _on_error(request, user, AuthsignalError("challenge without a token"), phone=None)
    elif not result.has_sms:
        _cannot_challenge(request, user, SMS_ONLY)
    elif over := budget.exceeded(str(user.pk), client_ip(request)):
        _rate_limited(request, user, over)
    else:
        budget.spend(str(user.pk), client_ip(request))
        _hold(request, _pending_mark(request, user, result, enrolled, phone))
        signals.challenge_required.send(
            AuthsignalSmsConfig, request=request, user=user, idempotency_key=result.idempotency_key
        )


def _pending_mark(
    request: HttpRequest,
    user: AbstractBaseUser,
    result: client.TrackResult,
    enrolled: SmsAuthenticator | None,
    phone: str | None,
) -> Mark:
    return Mark(
        outcome=PENDING,
        user_id=str(user.pk),
        backend=str(request.session.get(BACKEND_SESSION_KEY, "")),
        token=result.token,
        idempotency_key=result.idempotency_key,
        action=app_settings.ACTION,
        masked_phone=mask_phone(phone),
        whatsapp="WHATSAPP" in result.allowed_methods,
        authenticator_id=enrolled.authenticator_id if enrolled else "",
        verified_baseline=enrolled.last_verified_at if enrolled else "",
        confirm_allow=result.state == "ALLOW",
    )


def _rate_limited(request: HttpRequest, user: AbstractBaseUser, scope: str) -> None:
    """Too many pending logins (batches of codes) for this user or this client IP lately."""
    log_event("rate_limited", logging.WARNING, user_id=user.pk, scope=scope)
    signals.login_rate_limited.send(AuthsignalSmsConfig, request=request, user=user, scope=scope)
    _deny(request, TOO_MANY)


def _cannot_challenge(request: HttpRequest, user: AbstractBaseUser, reason: str) -> None:
    """A code is needed but cannot be sent: a clear page, never a password-only login."""
    log_event("cannot_challenge", logging.WARNING, user_id=user.pk, reason=reason)
    signals.cannot_challenge.send(AuthsignalSmsConfig, request=request, user=user, reason=reason)
    _deny(request, reason)


def finish(request: HttpRequest, mark: Mark, user: AbstractBaseUser) -> None:
    """Complete the login that ``begin`` held back.

    ``login()`` rotates the session key itself (``cycle_key``), since ``begin`` removed the
    session's auth keys, and it sends ``user_logged_in`` for the now complete login.
    """
    setattr(request, FINALISING, True)
    try:
        # Any: the stubs type login() for the concrete AUTH_USER_MODEL only.
        login(request, cast(Any, user), backend=mark.backend or None)
    finally:
        setattr(request, FINALISING, False)
    signals.challenge_succeeded.send(AuthsignalSmsConfig, request=request, user=user)
    log_event("challenge_succeeded", user_id=mark.user_id)
    if not mark.authenticator_id:
        enrollment.check_enrolled_number(request, user, phone_number(user))


def pending_user(mark: Mark) -> AbstractBaseUser | None:
    """The user the mark is for, through the backend that accepted the password."""
    # Only a configured backend: the session names it, and a session is not to be trusted blindly.
    if mark.backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        backend = load_backend(mark.backend)
    except ImportError:
        return None
    user = backend.get_user(mark.user_id)
    return user if user is not None and str(user.pk) == mark.user_id else None


def fail_closed(request: HttpRequest, user: AbstractBaseUser, error: Exception) -> None:
    """An unexpected error while deciding: log it with its traceback and deny the login."""
    logger.exception("authsignal_sms unexpected error for user_id=%s", user.pk, exc_info=error)
    signals.authsignal_error.send(
        AuthsignalSmsConfig, request=request, user=user, error=error, failed_open=False
    )
    _deny(request, ERROR)


def _on_error(
    request: HttpRequest, user: AbstractBaseUser, error: AuthsignalError, phone: str | None
) -> None:
    # Only when Authsignal cannot be reached: a 4xx (429 included), a malformed reply or a
    # challenge without a token is an answer, and an attacker may be able to provoke it.
    failed_open = app_settings.FAIL_OPEN and error.is_outage
    report_error(request, error, user=user, failed_open=failed_open, phone=phone)
    if not failed_open:
        _deny(request, ERROR)


def report_error(
    request: HttpRequest,
    error: AuthsignalError,
    *,
    user: AbstractBaseUser | None,
    user_id: str | None = None,
    failed_open: bool = False,
    phone: str | None = None,
) -> None:
    """Authsignal could not be asked: one log record and the ``authsignal_error`` signal."""
    log_event(
        "authsignal_error",
        logging.ERROR,
        user_id=user.pk if user is not None else user_id,
        reason=error.reason,
        detail=str(error),
        failed_open=failed_open,
        phone=mask_phone(phone),
    )
    signals.authsignal_error.send(
        AuthsignalSmsConfig, request=request, user=user, error=error, failed_open=failed_open
    )


# Neither helper touches request.user: login views still run code after login() that expects
# the user they just logged in (allauth asserts it). The middleware replaces the view's response
# and request.user once the view returns; the session is what decides later requests.


def _hold(request: HttpRequest, mark: Mark) -> None:
    """Undo the login's effect on the session, keeping only the pending mark."""
    for key in AUTH_SESSION_KEYS:
        request.session.pop(key, None)
    mark.retry_url = _retry_url(request)
    save_mark(request, mark)
    setattr(request, OUTCOME, PENDING)


def _deny(request: HttpRequest, outcome: str) -> None:
    retry_url = _retry_url(request)
    request.session.flush()
    save_mark(request, Mark(outcome=outcome, retry_url=retry_url))
    setattr(request, OUTCOME, outcome)


def _retry_url(request: HttpRequest) -> str:
    """Where "try again" leads: the login page the user came from, else LOGIN_URL."""
    match = request.resolver_match
    if match is not None and match.url_name in LOGIN_URL_NAMES:
        return request.path
    return resolve_url(settings.LOGIN_URL)
