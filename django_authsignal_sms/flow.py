"""The pending login's whole life: start, hold or refuse, the code page, complete, end.

Every change to the pending record, every Authsignal call of a login, every log record and
signal of the step happens here. Each function returns an ``Outcome``; the middleware and the
views only turn outcomes into responses (a page, a redirect or JSON), through ``responses``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth import login as django_login
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext_noop

from . import (
    budget,
    claims,
    client,
    enrollment,
    methods,
    passkey_offer,
    record,
    redirects,
    signals,
    verdict,
)
from .apps import AuthsignalSmsConfig
from .attributes import phone_number, sign_in_attributes
from .client import TrackResult
from .conf import app_settings
from .exceptions import AuthsignalApiError, AuthsignalError
from .log import log_event, logger, mask_phone
from .record import PendingRecord

# Set on the request while the app itself calls login(), so the receiver does not track again.
FINALISING = "_authsignal_sms_finalising"
# The record ``start`` made during this request, until the middleware stores it with ``next``.
HELD = "_authsignal_sms_held"
AUTH_SESSION_KEYS = (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY)
# Notices, translated when shown (notices.add_notice).
EXPIRED = gettext_noop("Your sign-in took too long to finish. Please sign in again.")
TOO_MANY_RESENDS = gettext_noop("Too many codes were sent. Please sign in again.")
TOO_MANY_FAILURES = gettext_noop("Too many wrong codes. Please sign in again.")

Kind = Literal[
    "verify",
    "code_page",
    "refused",
    "ended",
    "signed_in",
    "stepped_up",
    "redirect",
    "resend",
    "counted",
]


@dataclass(frozen=True)
class Outcome:
    """What happened; ``responses`` turns it into a page, a redirect or JSON."""

    kind: Kind
    reason: str = ""
    status: int = 200
    url: str = ""
    notice: str = ""
    record: PendingRecord | None = None
    data: dict[str, Any] = field(default_factory=dict)


# Start: inside login(), after the password


def start(request: HttpRequest, user: AbstractBaseUser) -> None:
    """Ask Authsignal about this login; hold it for a code, refuse it, or let it complete."""
    attributes = sign_in_attributes(request, user)
    phone = attributes.get("phoneNumber")
    try:
        result = _track(user, attributes)
        enrolled: enrollment.Enrolled | None = None
        if enrollment.needs_enrollment(result, user):
            enrolled = enrollment.enroll_on_file(request, user, phone)
            if enrolled is None:
                _cannot_challenge(request, user, record.NO_PHONE)
                return
            result = _track(user, attributes)
    except AuthsignalError as error:
        _unanswered(request, user, error, phone)
        return
    _decide(request, user, result, enrolled, attributes)


def fail_closed(request: HttpRequest, user: AbstractBaseUser, error: Exception) -> None:
    """An unexpected error while deciding: log it with its traceback and refuse the login."""
    logger.exception("authsignal_sms unexpected error for user_id=%s", user.pk, exc_info=error)
    signals.authsignal_error.send(
        AuthsignalSmsConfig, request=request, user=user, error=error, failed_open=False
    )
    _refuse(request, record.ERROR)


def held(request: HttpRequest) -> PendingRecord | None:
    """The record ``start`` made in this request: the login was held or refused."""
    return cast(PendingRecord | None, getattr(request, HELD, None))


def _track(user: AbstractBaseUser, attributes: dict[str, Any]) -> TrackResult:
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
    result: TrackResult,
    enrolled: enrollment.Enrolled | None,
    attributes: dict[str, Any],
) -> None:
    """ALLOW completes, unless the app just enrolled an authenticator: a code must confirm it."""
    state = result.state
    if state == "ALLOW" and enrolled is None:
        return
    if state == "REVIEW_REQUIRED":
        try:
            # Staff approved a review of this user: the sign-in goes on to the code (reviews.py).
            # Imported here: reviews loads the models, and views importing this module (through
            # stepup) may be imported before the app registry is ready, or without the app.
            from . import reviews

            if reviews.let_through(request, user, result):
                state = "CHALLENGE_REQUIRED"
        except AuthsignalError as error:
            # Never FAIL_OPEN here: Authsignal has answered, and asked for a review.
            report_error(request, error, user_id=str(user.pk), user=user)
            _refuse(request, record.ERROR)
            return
    if state == "REVIEW_REQUIRED":
        _refuse(request, record.REVIEW)
        signals.login_review.send(
            AuthsignalSmsConfig, request=request, user=user, idempotency_key=result.idempotency_key
        )
    elif state not in ("ALLOW", "CHALLENGE_REQUIRED"):
        _refuse(request, record.BLOCKED)
        signals.login_blocked.send(AuthsignalSmsConfig, request=request, user=user, state=state)
    elif not result.token:
        _unanswered(request, user, AuthsignalError("challenge without a token"), None)
    elif not (offered := methods.offered(result)):
        _cannot_challenge(request, user, record.SMS_ONLY)
    elif over := budget.take(str(user.pk), attributes.get("ipAddress")):
        log_event("rate_limited", logging.WARNING, user_id=user.pk, scope=over)
        signals.login_rate_limited.send(AuthsignalSmsConfig, request=request, user=user, scope=over)
        _refuse(request, record.TOO_MANY)
    else:
        phone = attributes.get("phoneNumber")
        _hold(request, _pending(request, user, result, enrolled, phone, offered))
        signals.challenge_required.send(
            AuthsignalSmsConfig, request=request, user=user, idempotency_key=result.idempotency_key
        )


def _pending(
    request: HttpRequest,
    user: AbstractBaseUser,
    result: TrackResult,
    enrolled: enrollment.Enrolled | None,
    phone: str | None,
    offered: list[str],
) -> PendingRecord:
    return PendingRecord(
        outcome=record.PENDING,
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
        retry_url=redirects.login_page_of(request),
        methods=offered,
        channel=first_channel(offered),
    )


def first_channel(offered: list[str]) -> str:
    """Where the first code goes: the first code method offered (the default, unless that is a
    passkey); ``sms`` when none is."""
    codes = [methods.NAMES[method] for method in offered if method in methods.CODE_METHODS]
    return codes[0] if codes else "sms"


def _cannot_challenge(request: HttpRequest, user: AbstractBaseUser, reason: str) -> None:
    """A code is needed but cannot be sent: a clear page, never a password-only login."""
    log_event("cannot_challenge", logging.WARNING, user_id=user.pk, reason=reason)
    signals.cannot_challenge.send(AuthsignalSmsConfig, request=request, user=user, reason=reason)
    _refuse(request, reason)


def _unanswered(
    request: HttpRequest, user: AbstractBaseUser, error: AuthsignalError, phone: str | None
) -> None:
    # FAIL_OPEN only when Authsignal cannot be reached: a 4xx (429 included), a malformed reply
    # or a challenge without a token is an answer, and an attacker may be able to provoke it.
    failed_open = app_settings.FAIL_OPEN and error.is_outage
    report_error(
        request, error, user_id=str(user.pk), user=user, failed_open=failed_open, phone=phone
    )
    if not failed_open:
        _refuse(request, record.ERROR)


def report_error(
    request: HttpRequest,
    error: AuthsignalError,
    *,
    user_id: str,
    user: AbstractBaseUser | None = None,
    failed_open: bool = False,
    phone: str | None = None,
) -> None:
    """Authsignal could not be asked: one log record and the ``authsignal_error`` signal."""
    log_event(
        "authsignal_error",
        logging.ERROR,
        user_id=user_id,
        reason=error.reason,
        detail=str(error),
        failed_open=failed_open,
        phone=mask_phone(phone),
    )
    signals.authsignal_error.send(
        AuthsignalSmsConfig, request=request, user=user, error=error, failed_open=failed_open
    )


# Neither touches request.user: login views still run code after login() that expects the user
# they just logged in (allauth asserts it). The middleware stores the record and answers once
# the view returns; from then on the session is what decides.


def _hold(request: HttpRequest, pending: PendingRecord) -> None:
    """Undo the login's effect on the session: the session is not logged in."""
    for key in AUTH_SESSION_KEYS:
        request.session.pop(key, None)
    setattr(request, HELD, pending)


def _refuse(request: HttpRequest, outcome: str) -> None:
    retry_url = redirects.login_page_of(request)
    request.session.flush()
    setattr(request, HELD, PendingRecord(outcome=outcome, retry_url=retry_url))


# After the login view, and the gate before every view


def after_login_view(request: HttpRequest, location: str | None, json: bool) -> Outcome | None:
    """Store what ``start`` decided, with where the login view wanted to go, and steer there."""
    pending = held(request)
    if pending is None:
        return None
    pending.next_url = redirects.safe_next(request, location)
    record.write(request, pending)
    if not pending.is_pending:
        return _refusal(request, pending, json)
    return Outcome("verify", record=pending, url=redirects.code_page(pending.next_url))


def steer(request: HttpRequest, wanted: str, json: bool) -> Outcome | None:
    """A request of a session with a record, to a URL that is not exempt."""
    current = record.read(request)
    if current is None:
        return None
    if not current.is_pending:
        return _refusal(request, current, json)
    if current.is_expired():
        return _expire(request, current)
    next_url = redirects.safe_next(request, wanted) or current.next_url
    return Outcome("verify", record=current, url=redirects.code_page(next_url))


def log_out(request: HttpRequest) -> None:
    """A same-site POST to a logout URL: some logout views (allauth's) do nothing for an
    anonymous user, and a pending session is anonymous, so the pending login ends here."""
    request.session.flush()


def _refusal(request: HttpRequest, refused: PendingRecord, json: bool) -> Outcome:
    """A page request goes to the refusal page (shown once); an API client is told now."""
    if not json:
        return Outcome("redirect", url=redirects.refusal_page())
    record.remove(request)
    return Outcome("refused", refused.outcome, 403, redirects.back_to_login(refused))


def open_refusal_page(request: HttpRequest) -> Outcome:
    current = record.read(request)
    if current is None:
        return Outcome("redirect", url=redirects.back_to_login(None))
    if current.is_pending:
        return Outcome("redirect", url=redirects.code_page(current.next_url))
    record.remove(request)
    return Outcome("refused", current.outcome, 403, redirects.back_to_login(current))


# The code page and what it reports


def open_code_page(request: HttpRequest, send_now: bool) -> Outcome:
    """The code page, from the record alone: no query, no write.

    Until the page's script has reported its first send (``count_resend(first=True)``), the
    page offers to send it; a page whose script never ran has used nothing up. HEAD never
    sends. The user is checked where it matters, at the callback.
    """
    current = _live(request)
    return current if isinstance(current, Outcome) else code_page_of(current, send_now)


def count_resend(request: HttpRequest, first: bool = False) -> Outcome:
    """Whether the page may ask Authsignal for a code now: the first one, or another."""
    current = _live(request)
    return current if isinstance(current, Outcome) else counted_send(request, current, first, LOGIN)


def count_failure(request: HttpRequest) -> Outcome:
    """A wrong code reported by the page; too many end the pending login.

    Authsignal also locks a challenge after repeated wrong codes; this limit is the site's own,
    per pending login, and a page that does not report can still not get past the callback.
    """
    current = _live(request)
    return current if isinstance(current, Outcome) else counted_failure(request, current, LOGIN)


# The code page's counts, for a pending login or (stepup.flow) a pending step-up


@dataclass(frozen=True)
class Ledger:
    """Where a pending attempt is kept, how it ends, and what the user is told at its limits."""

    save: Callable[[HttpRequest, Any], None]
    end: Callable[[HttpRequest, Any, str, Outcome], Outcome]
    too_many_resends: str
    too_many_failures: str


def code_page_of(current: PendingRecord, send_now: bool) -> Outcome:
    auto_send = send_now and current.sent_at is None
    data = {"auto_send": auto_send, "resend_wait": 0 if auto_send else _cooldown_left(current)}
    return Outcome("code_page", record=current, data=data)


def counted_send(
    request: HttpRequest, current: PendingRecord, first: bool, ledger: Ledger
) -> Outcome:
    """The page's automatic send (once: a reload or a second tab waits), or another one, on
    the channel the page asks for (``channel`` in the POST; else the one last used)."""
    channel = request.POST.get("channel", current.channel)
    if channel not in channels_of(current):
        return _refused_channel(channel, current)
    wait = _cooldown_left(current)
    if first and current.sent_at is not None:
        data = {"allowed": False, "reason": "already_sent", "wait": wait}
        return Outcome("resend", status=409, data=data)
    if not first and wait > 0:
        data = {"allowed": False, "reason": "cooldown", "wait": wait}
        return Outcome("resend", status=429, data=data)
    if not first and current.resends >= app_settings.MAX_RESENDS:
        ending = Outcome("ended", "too_many", 429, notice=ledger.too_many_resends)
        return ledger.end(request, current, "too_many_resends", ending)
    if not first:
        current.resends += 1
    current.sent_at = time.time()
    current.channel = channel
    ledger.save(request, current)
    return Outcome("resend", data={"allowed": True, "cooldown": app_settings.RESEND_COOLDOWN})


def channels_of(current: PendingRecord) -> tuple[str, ...]:
    """Where a code may go: the code methods offered (text message, WhatsApp, email)."""
    return tuple(methods.channels_of(current))


def _refused_channel(channel: str, current: PendingRecord) -> Outcome:
    offered = channels_of(current)
    reason = "whatsapp_not_offered" if channel == "whatsapp" else "unknown_channel"
    data = {
        "allowed": False,
        "reason": reason,
        "detail": f"channel must be one of: {', '.join(offered)}.",
        "channels": list(offered),
    }
    return Outcome("resend", status=400, data=data)


def counted_failure(request: HttpRequest, current: PendingRecord, ledger: Ledger) -> Outcome:
    current.failures += 1
    if current.failures >= app_settings.MAX_FAILED_VERIFICATIONS:
        ending = Outcome("ended", "too_many", 429, notice=ledger.too_many_failures)
        return ledger.end(request, current, "too_many_failures", ending)
    ledger.save(request, current)
    left = app_settings.MAX_FAILED_VERIFICATIONS - current.failures
    return Outcome("counted", data={"ended": False, "attempts_left": left})


def cancel(request: HttpRequest) -> Outcome:
    """The user abandons the pending sign-in: the session is emptied, as by a logout."""
    current = record.read(request)
    request.session.flush()
    return Outcome("redirect", url=redirects.back_to_login(current))


# Complete: the callback


def complete(request: HttpRequest, token: str, wanted: str | None) -> Outcome:
    """Validate the verification token on the server; only then is the login final."""
    current = record.remove(request)
    if current is None or not current.is_pending:
        return _fail(request, current, "no_pending", 400)
    if current.is_expired():
        return _expire(request, current)
    if not token or len(token) > verdict.TOKEN_MAX_LENGTH:
        return _fail(request, current, "missing_token", 400)
    if not claims.claim(current):
        # Another request (another worker) is completing or has completed this login.
        return _fail(request, current, "replayed", 403)
    try:
        result = client.validate_challenge(token, current.user_id, current.action)
        problem = verdict.problem_with(result, current)
    except AuthsignalApiError as error:
        if error.refuses_the_token:
            return _fail(request, current, error.code or "invalid_token", 403)
        return _outage(request, current, error)
    except AuthsignalError as error:
        return _outage(request, current, error)
    user = None if problem else pending_user(current)
    if user is None:
        return _fail(request, current, problem or "user_gone", 403)
    _finish_sign_in(request, current, user)
    if passkey_offer.worth_offering(current, result):
        passkey_offer.mark(request, current.user_id)
    next_url = redirects.safe_next(request, wanted) or current.next_url
    return Outcome("signed_in", url=next_url or redirects.after_login())


def _finish_sign_in(request: HttpRequest, pending: PendingRecord, user: AbstractBaseUser) -> None:
    """The completion of a sign-in: the login ``start`` held back.

    ``login()`` rotates the session key itself (``cycle_key``), since the held login's auth keys
    were removed, and it sends ``user_logged_in`` for the now complete login.
    """
    setattr(request, FINALISING, True)
    try:
        # Any: the stubs type login() for the concrete AUTH_USER_MODEL only.
        django_login(request, cast(Any, user), backend=pending.backend or None)
    finally:
        setattr(request, FINALISING, False)
    signals.challenge_succeeded.send(AuthsignalSmsConfig, request=request, user=user)
    log_event("challenge_succeeded", user_id=pending.user_id)
    if not pending.authenticator_id:
        enrollment.check_enrolled_number(request, user, phone_number(user))


def pending_user(pending: PendingRecord) -> AbstractBaseUser | None:
    """The user the record is for, through the backend that accepted the password."""
    # Only a configured backend: the session names it, and a session is not to be trusted blindly.
    if pending.backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        backend = load_backend(pending.backend)
    except ImportError:
        return None
    user = backend.get_user(pending.user_id)
    return user if user is not None and str(user.pk) == pending.user_id else None


def _outage(request: HttpRequest, current: PendingRecord, error: AuthsignalError) -> Outcome:
    report_error(request, error, user_id=current.user_id)
    # SessionMiddleware does not save on 5xx: save now, so the used record stays used.
    request.session.save()
    url = redirects.back_to_login(current)
    return Outcome("refused", "error", 503, url, data={"code": "unavailable"})


# Ending a pending login: one place, one shape


def _live(request: HttpRequest) -> PendingRecord | Outcome:
    """The pending record while it can still be completed; else how the attempt ends."""
    current = record.read(request)
    if current is None or not current.is_pending:
        # Nothing to end: no record, or a refusal still to be shown.
        return Outcome("refused", "no_pending", 400, redirects.back_to_login(current))
    if current.is_expired():
        return _expire(request, current)
    return current


def _expire(request: HttpRequest, current: PendingRecord) -> Outcome:
    """The one expiry: the login page again, with a notice (or JSON saying so)."""
    return _end(request, current, "expired", Outcome("ended", "expired", 400, notice=EXPIRED))


def _fail(request: HttpRequest, current: PendingRecord | None, reason: str, status: int) -> Outcome:
    """A refused attempt to complete: the record is gone; a page says why."""
    page = reason if reason == "no_pending" else "failed"
    return _end(request, current, reason, Outcome("refused", page, status, data={"code": reason}))


def _end(
    request: HttpRequest, current: PendingRecord | None, reason: str, outcome: Outcome
) -> Outcome:
    """End the pending login: remove its record, log it, tell integrators, say where to go."""
    record.remove(request)
    user_id = current.user_id if current else ""
    log_event("challenge_failed", logging.WARNING, user_id=user_id, reason=reason)
    signals.challenge_failed.send(
        AuthsignalSmsConfig, request=request, user_id=user_id, reason=reason
    )
    url = outcome.url or redirects.back_to_login(current)
    return dataclasses.replace(outcome, url=url, record=current)


def _cooldown_left(current: PendingRecord) -> int:
    return max(0, int((current.sent_at or 0) + app_settings.RESEND_COOLDOWN - time.time()))


LOGIN = Ledger(record.write, _end, TOO_MANY_RESENDS, TOO_MANY_FAILURES)
