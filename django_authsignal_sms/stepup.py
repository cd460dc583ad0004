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

from . import client, signals
from .apps import AuthsignalSmsConfig
from .attributes import sign_in_attributes
from .conf import app_settings
from .exceptions import AuthsignalError
from .log import log_event, logger, mask_phone
from .session import BLOCKED, ERROR, PENDING, REVIEW, Mark, save_mark

# Set on the request while the app itself calls login(), so the receiver does not track again.
FINALISING = "_authsignal_sms_finalising"
# Set on the request by ``begin``: the outcome the middleware must steer the response to.
OUTCOME = "_authsignal_sms_outcome"

CHALLENGE_STATES = {"CHALLENGE_REQUIRED"}
LOGIN_URL_NAMES = {"login", "account_login"}
AUTH_SESSION_KEYS = (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY)


def begin(request: HttpRequest, user: AbstractBaseUser) -> None:
    """Track the sign-in and act on Authsignal's state; runs inside ``login()``."""
    attributes = sign_in_attributes(request, user)
    user_id = str(user.pk)
    try:
        result = client.track_sign_in(user_id, attributes)
    except AuthsignalError as error:
        _on_error(request, user, error, phone=attributes.get("phoneNumber"))
        return
    state = result.state
    if state == "REVIEW_REQUIRED" and app_settings.ON_REVIEW == "challenge":
        state = "CHALLENGE_REQUIRED"
    log_event(
        "tracked",
        user_id=user_id,
        state=result.state,
        phone=mask_phone(attributes.get("phoneNumber")),
    )
    if state == "ALLOW":
        return
    if state in CHALLENGE_STATES and result.token:
        mark = Mark(
            outcome=PENDING,
            user_id=user_id,
            backend=str(request.session.get(BACKEND_SESSION_KEY, "")),
            token=result.token,
            idempotency_key=result.idempotency_key,
            action=app_settings.ACTION,
            enrolled=result.is_enrolled,
        )
        _hold(request, mark)
        signals.challenge_required.send(
            AuthsignalSmsConfig, request=request, user=user, idempotency_key=result.idempotency_key
        )
    elif state in CHALLENGE_STATES:
        _on_error(request, user, AuthsignalError("challenge without a token"), phone=None)
    elif state == "REVIEW_REQUIRED":
        _deny(request, REVIEW)
        signals.login_review.send(AuthsignalSmsConfig, request=request, user=user)
    else:
        _deny(request, BLOCKED)
        signals.login_blocked.send(AuthsignalSmsConfig, request=request, user=user, state=state)


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
    failed_open = app_settings.FAIL_OPEN
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
