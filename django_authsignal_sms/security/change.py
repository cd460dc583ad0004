"""A change of sign-in phone, from the number typed to the number replaced.

``start`` (right after a fresh step-up with the current number) tracks the action with the
``add:authenticators`` scope: the only place the app generates such a token. The new number's
code page runs the browser SDK's ``sms.enroll`` and ``sms.verify`` with it, and posts the final
token to ``complete``, which replaces the number only when

* the token is valid, ``CHALLENGE_SUCCEEDED``, for this user, this action and this track, SMS,
  and used once (``verdict``, ``claims``), and
* ``get_authenticators`` shows exactly one new, verified SMS authenticator, with exactly the
  number the user typed.

Then, in one transaction, the site's own field is set (``phone_field``) and the old SMS
authenticators are removed. Every other ending puts the old number back (``rollback``).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from .. import claims, client, redirects, signals, verdict
from ..apps import AuthsignalSmsConfig
from ..client import SignInPhone, TrackResult
from ..conf import app_settings
from ..exceptions import AuthsignalApiError, AuthsignalError, AuthsignalMalformedResponse
from ..flow import Ledger, Outcome, code_page_of, counted_failure, counted_send, report_error
from ..log import log_event, logger, mask_phone
from ..record import PENDING
from . import current_number, phone_field, rollback, state
from .current_number import security_page_url
from .state import PhoneChange

TOO_MANY_RESENDS = gettext_noop("Too many codes were sent. Your sign-in phone was not changed.")
TOO_MANY_FAILURES = gettext_noop("Too many wrong codes. Your sign-in phone was not changed.")
SCOPE = "add:authenticators"
# The problem page for each ending (pages.WORDING); any other reason: "step_up_failed".
PAGES = {"no_pending": "step_up_none", "unavailable": "step_up_error", "not_saved": "step_up_error"}


# Start: the number typed, right after the step-up


def start(request: HttpRequest, new_phone: str) -> Outcome:
    """Bind ``new_phone`` to a new pending change and send the user to its code page.

    Refusals the form shows: ``same_number``, ``unavailable``; the others are pages."""
    user: Any = request.user
    user_id = str(user.pk)
    try:
        rollback.settle(user_id)
        phones = [phone for phone in client.sign_in_phones(user_id) if phone.is_verified]
        if any(phone.phone_number == new_phone for phone in phones):
            return Outcome("refused", "same_number", 400)
        if not phones:
            return Outcome("refused", "step_up_unavailable", 403, security_page_url())
        result = _track(request, user)
    except AuthsignalError as error:
        report_error(request, error, user_id=user_id, user=user)
        return Outcome("refused", "unavailable", 503)
    refusal = _refusal_of(result)
    if refusal:
        return current_number.refused(request, user, refusal, security_page_url())
    current_number.use_up(request)
    change = _pending(request, user_id, result, new_phone, phones)
    state.write(request, change)
    log_event(
        "sign_in_phone_change_started",
        user_id=user_id,
        old=mask_phone(change.old_phone),
        new=change.masked_phone,
    )
    return Outcome("redirect", url=redirects.app_url("security_verify"))


def _track(request: HttpRequest, user: Any) -> TrackResult:
    # Authsignal's user record keeps the number on file until the change completes.
    return current_number.track(
        request, user, "new_number", "sign_in_phone_tracked", phoneNumber=None, scope=SCOPE
    )


def _refusal_of(result: TrackResult) -> str:
    if result.state == "REVIEW_REQUIRED":
        return "step_up_review"
    if result.state not in ("ALLOW", "CHALLENGE_REQUIRED"):
        return "step_up_blocked"
    return "" if result.token else "step_up_error"


def _pending(
    request: HttpRequest,
    user_id: str,
    result: TrackResult,
    new_phone: str,
    phones: list[SignInPhone],
) -> PhoneChange:
    back = security_page_url()
    return PhoneChange(
        outcome=PENDING,
        user_id=user_id,
        token=result.token,
        idempotency_key=result.idempotency_key,
        action=app_settings.SECURITY_ACTION,
        masked_phone=mask_phone(new_phone),
        next_url=back,
        retry_url=back,
        new_phone=new_phone,
        old_phone=phones[0].phone_number,
        old_ids=[phone.authenticator_id for phone in phones],
        session=state.this_session(request),
    )


# The new number's code page and what it reports


def open_code_page(request: HttpRequest, send_now: bool) -> Outcome:
    current = _live(request)
    return current if isinstance(current, Outcome) else code_page_of(current, send_now)


def count_resend(request: HttpRequest, first: bool = False) -> Outcome:
    current = _live(request)
    if isinstance(current, Outcome):
        return current
    return counted_send(request, current, first, CHANGE)


def count_failure(request: HttpRequest) -> Outcome:
    current = _live(request)
    return current if isinstance(current, Outcome) else counted_failure(request, current, CHANGE)


def cancel(request: HttpRequest) -> Outcome:
    """The user gives up: the old number stays (and is put back if it was replaced)."""
    current = state.read(request)
    if current is None or not state.belongs_here(request, current):
        state.remove(request)
        return Outcome("redirect", url=security_page_url())
    return _end(request, current, "cancelled", Outcome("redirect"))


# Complete: the final token


def complete(request: HttpRequest, token: str) -> Outcome:
    """Replace the number once the token and Authsignal's record both bear the change out."""
    current = state.remove(request)
    if current is None or not state.belongs_here(request, current):
        # Nothing of this user's to finish or undo here: another user's change is not touched.
        return _fail(request, None, "no_pending", 400)
    if current.is_expired():
        return _fail(request, current, "expired", 400)
    if not token or len(token) > verdict.TOKEN_MAX_LENGTH:
        return _fail(request, current, "missing_token", 400)
    if not claims.claim(current):
        # Another request is completing this change: undoing it here would undo that one.
        return _fail(request, current, "replayed", 403, roll_back=False)
    try:
        problem, added, phones = _checked(token, current)
    except AuthsignalApiError as error:
        if error.refuses_the_token:
            return _fail(request, current, error.code or "invalid_token", 403)
        return _outage(request, current, error)
    except AuthsignalError as error:
        return _outage(request, current, error)
    if problem or added is None:
        return _fail(request, current, problem, 403)
    return _replace(request, current, added, phones)


def _checked(token: str, current: PhoneChange) -> tuple[str, SignInPhone | None, list[SignInPhone]]:
    """What is wrong with the change (``""`` if nothing), the new authenticator, and every SMS
    authenticator the user has now."""
    result = client.validate_challenge(token, current.user_id, current.action)
    problem = verdict.problem_with(result, current)
    if problem:
        return problem, None, []
    phones = client.sign_in_phones(current.user_id)
    return (*new_authenticator(current, phones), phones)


def new_authenticator(
    current: PhoneChange, phones: list[SignInPhone]
) -> tuple[str, SignInPhone | None]:
    """The one verified SMS authenticator added since the change started, with the number
    typed; anything else is a refusal."""
    added = [
        phone
        for phone in phones
        if phone.authenticator_id not in current.old_ids and phone.is_verified
    ]
    if not added:
        return "number_not_verified", None
    if len(added) > 1 or added[0].phone_number != current.new_phone:
        return "wrong_number", None
    return "", added[0]


def _replace(
    request: HttpRequest, current: PhoneChange, added: SignInPhone, phones: list[SignInPhone]
) -> Outcome:
    """The site's field and Authsignal's authenticators together: a failure in either undoes
    the field (the transaction) and puts the old number back (``_end``)."""
    user: Any = request.user
    try:
        with transaction.atomic():
            phone_field.set_phone_number(user, current.new_phone)
            _remove_all_but(current.user_id, added, phones)
    except AuthsignalError as error:
        return _outage(request, current, error)
    except Exception as error:  # the site's hook: its bug must not become a 500 or a half change
        logger.exception(
            "authsignal_sms the new phone number was not saved for user_id=%s", user.pk
        )
        return _fail(request, current, "not_saved", 503, detail=type(error).__name__)
    return _changed(request, user, current)


def _remove_all_but(user_id: str, added: SignInPhone, phones: list[SignInPhone]) -> None:
    """Remove every other SMS authenticator, and see that they are gone: the SDK reads no reply
    to a removal, so a proxy's 200 page would pass for one."""
    others = [phone for phone in phones if phone.authenticator_id != added.authenticator_id]
    for phone in others:
        rollback.remove_authenticator(user_id, phone.authenticator_id)
    left = {phone.authenticator_id for phone in others}
    if left and left & {phone.authenticator_id for phone in client.sign_in_phones(user_id)}:
        raise AuthsignalMalformedResponse("the old number is still enrolled after its removal")


def _changed(request: HttpRequest, user: Any, current: PhoneChange) -> Outcome:
    rollback.forget(current.user_id)
    old, new = mask_phone(current.old_phone), current.masked_phone
    log_event("sign_in_phone_changed", user_id=current.user_id, old=old, new=new)
    signals.sign_in_phone_changed.send(
        AuthsignalSmsConfig, request=request, user=user, masked_old_phone=old, masked_new_phone=new
    )
    notice = gettext("Your sign-in phone is now %(phone)s.") % {"phone": new}
    return Outcome("redirect", url=security_page_url(), notice=notice)


# Endings: one place, and the old number stays


def _live(request: HttpRequest) -> PhoneChange | Outcome:
    current = state.read(request)
    if current is None or not state.belongs_here(request, current):
        return Outcome("refused", "step_up_none", 400, security_page_url())
    if current.is_expired():
        return _fail(request, current, "expired", 400)
    return current


def _outage(request: HttpRequest, current: PhoneChange, error: AuthsignalError) -> Outcome:
    report_error(request, error, user_id=current.user_id)
    return _fail(request, current, "unavailable", 503)


def _fail(
    request: HttpRequest,
    current: PhoneChange | None,
    reason: str,
    status: int,
    *,
    roll_back: bool = True,
    detail: str = "",
) -> Outcome:
    page = PAGES.get(reason, "step_up_failed")
    outcome = Outcome("refused", page, status, data={"code": reason})
    return _end(request, current, reason, outcome, roll_back=roll_back, detail=detail)


def _end(
    request: HttpRequest,
    current: PhoneChange | None,
    reason: str,
    outcome: Outcome,
    *,
    roll_back: bool = True,
    detail: str = "",
) -> Outcome:
    """The change ends without replacing the number: the record goes, the old number stays."""
    state.remove(request)
    if current is not None and roll_back:
        rollback.put_back(current)
    user_id = current.user_id if current else ""
    fields = {"detail": detail} if detail else {}
    log_event(
        "sign_in_phone_change_failed", logging.WARNING, user_id=user_id, reason=reason, **fields
    )
    signals.sign_in_phone_change_failed.send(
        AuthsignalSmsConfig, request=request, user_id=user_id, reason=reason
    )
    if outcome.status >= 500:
        request.session.save()  # SessionMiddleware does not save on 5xx: the record stays used
    return dataclasses.replace(outcome, url=outcome.url or security_page_url(), record=current)


CHANGE = Ledger(state.write, _end, TOO_MANY_RESENDS, TOO_MANY_FAILURES)
