"""Authsignal's client API, as the browser SDK calls it with a Bearer token: SMS, WhatsApp and
email OTP challenge and verify, and SMS and email enrollment (sms.enroll, email.enroll). The
passkey routes are in ``passkeys``."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from . import passkeys
from .server_api import email_address, phone_number
from .state import (
    Action,
    Challenge,
    Reply,
    Request,
    add_scope_required,
    invalid_request,
    too_many_requests,
)
from .store import ACCESS_SCOPES, CODE_AUTHENTICATORS, MAX_FAILED_ATTEMPTS
from .tenant import open_states, state_after_verify

if TYPE_CHECKING:
    from collections.abc import Callable

    from .clock import SlidingWindow
    from .dispatch import RouteSpec
    from .server import EmulatorServer


def sms_challenge(emulator: EmulatorServer, request: Request) -> Reply:
    return _challenge(emulator, request, "SMS")


def whatsapp_challenge(emulator: EmulatorServer, request: Request) -> Reply:
    return _challenge(emulator, request, "WHATSAPP")


def sms_verify(emulator: EmulatorServer, request: Request) -> Reply:
    return _verify(emulator, request, "SMS")


def whatsapp_verify(emulator: EmulatorServer, request: Request) -> Reply:
    return _verify(emulator, request, "WHATSAPP")


def email_challenge(emulator: EmulatorServer, request: Request) -> Reply:
    return _challenge(emulator, request, "EMAIL_OTP")


def email_verify(emulator: EmulatorServer, request: Request) -> Reply:
    return _verify(emulator, request, "EMAIL_OTP")


def sms_enroll(emulator: EmulatorServer, request: Request) -> Reply:
    """Add an unverified SMS authenticator and text it a code; verify completes it."""
    return _enroll(emulator, request, "SMS", phone_number)


def email_enroll(emulator: EmulatorServer, request: Request) -> Reply:
    """Add an unverified email OTP authenticator and email it a code; verify completes it."""
    return _enroll(emulator, request, "EMAIL_OTP", email_address)


# What a challenge without the authenticator its codes go to is told.
_NOT_ENROLLED = {
    "SMS": "The user has no verified SMS authenticator: enroll a phone number first "
    "(sms.enroll in the browser, or enroll_verified_authenticator on the server).",
    "EMAIL_OTP": "The user has no verified email OTP authenticator: enroll an email address "
    "first (email.enroll in the browser, or enroll_verified_authenticator on the server).",
}


def _enroll(
    emulator: EmulatorServer,
    request: Request,
    method: str,
    address_in: Callable[[Request], str],
) -> Reply:
    token, store = request.bearer, emulator.store
    _open_action(emulator, request, method)
    address = address_in(request)
    user_id = token.key.user_id
    if not store.may_add_authenticator(user_id, token.scopes):
        raise add_scope_required()
    _check_send_limit(emulator, user_id, method)
    for stale in store.authenticators_of(user_id, verified_only=False):
        if not stale.verified and stale.verification_method == method:
            store.remove_authenticator(user_id, stale.authenticator_id)
    if method == "EMAIL_OTP":
        authenticator = store.add_authenticator(user_id, method, email=address)
    else:
        authenticator = store.add_authenticator(user_id, method, phone_number=address)
    _send(emulator, request, method, address, authenticator.authenticator_id)
    return Reply({"userAuthenticatorId": authenticator.authenticator_id, "userId": user_id})


def _challenge(emulator: EmulatorServer, request: Request, channel: str) -> Reply:
    _open_action(emulator, request, channel)
    user_id = request.bearer.key.user_id
    authenticator = emulator.store.code_authenticator(user_id, channel)
    address = None if authenticator is None else authenticator.address
    if address is None:
        raise invalid_request(_NOT_ENROLLED[CODE_AUTHENTICATORS[channel]])
    _check_send_limit(emulator, user_id, channel)
    challenge = _send(emulator, request, channel, address)
    return Reply({"challengeId": challenge.challenge_id})


def _verify(emulator: EmulatorServer, request: Request, channel: str) -> Reply:
    token, store = request.bearer, emulator.store
    action = _action(emulator, request)
    window = store.verify_window(channel)
    if not window.allow(token.key.user_id, emulator.clock.now()):
        refused = f"check a code for user {token.key.user_id}"
        _report_over_limit(emulator, refused, window, "code checks")
        raise too_many_requests(
            f"More than {window.limit} verification attempts for this user in "
            f"{window.seconds / 60:g} minutes."
        )
    code = request.text("verificationCode")
    if code is None:
        raise invalid_request("verificationCode is required.")
    if action.state == "CHALLENGE_FAILED":
        return _failure("MAX_ATTEMPTS_EXCEEDED")
    if action.state not in open_states(emulator.variants):
        raise invalid_request(f"This action is {action.state}; it cannot be verified.")
    challenge = store.latest_challenge(token.key, channel)
    if challenge is None or challenge.spent or challenge.expires_at <= emulator.clock.now():
        return _failure("CODE_INVALID_OR_EXPIRED")
    if not hmac.compare_digest(code.encode(), challenge.code.encode()):
        challenge.failed_attempts += 1
        if challenge.failed_attempts < MAX_FAILED_ATTEMPTS:
            return _failure("CODE_INVALID_OR_EXPIRED")
        store.set_state(action, "CHALLENGE_FAILED")
        return _failure("MAX_ATTEMPTS_EXCEEDED")
    return _success(emulator, action, challenge)


def _success(emulator: EmulatorServer, action: Action, challenge: Challenge) -> Reply:
    store = emulator.store
    challenge.spent = True
    state = state_after_verify(action.state, emulator.variants)
    if state != action.state:
        store.set_state(action, state)
    action.verification_method = challenge.channel
    body = {"isVerified": True, "accessToken": store.issue_token(action.key, ACCESS_SCOPES).value}
    enrolled = store.authenticators.get(challenge.authenticator_id or "")
    if enrolled is not None:
        store.verify_authenticator(enrolled)
        body["userAuthenticator"] = enrolled.to_json()
    else:
        # WhatsApp codes go to the SMS authenticator's number: it is the one used.
        used = store.code_authenticator(action.key.user_id, challenge.channel)
        if used is not None:
            used.last_verified_at = emulator.clock.now()
    return Reply(body)


def _failure(reason: str) -> Reply:
    return Reply({"isVerified": False, "failureReason": reason})


def _action(emulator: EmulatorServer, request: Request) -> Action:
    # A live token always has its action: the store drops an action with its tokens, and keeps
    # it longer than any of them lives.
    action = emulator.store.action(request.bearer.key)
    assert action is not None
    return action


def _open_action(emulator: EmulatorServer, request: Request, channel: str) -> Action:
    """The token's action, if it may get a code on this channel (else 400 invalid_request)."""
    action = _action(emulator, request)
    states = open_states(emulator.variants)
    if action.state not in states:
        if action.state == "CHALLENGE_FAILED":
            emulator.notify_refusal(
                f"Refused to send a code to user {action.key.user_id}: the action "
                f"{action.key.action!r} failed after {MAX_FAILED_ATTEMPTS} wrong codes. Track a "
                "new action to start over (a new sign-in does)."
            )
        raise invalid_request(
            f"This action is {action.state}; codes can only be sent for "
            f"{', '.join(states)} actions. Track a new action."
        )
    allowed = emulator.rules.allowed_methods(action.key.action)
    if channel not in allowed:
        raise invalid_request(
            f"{channel} is not an allowed verification method for the action "
            f"{action.key.action!r} (allowed: {', '.join(allowed)})."
        )
    return action


def _check_send_limit(emulator: EmulatorServer, user_id: str, channel: str) -> None:
    window = emulator.store.send_window(channel)
    if not window.allow(user_id, emulator.clock.now()):
        refused = f"send a code to user {user_id}"
        _report_over_limit(emulator, refused, window, "codes sent")
        raise too_many_requests(
            f"More than {window.limit} codes sent to this user in {window.seconds / 60:g} minutes."
        )


def _report_over_limit(
    emulator: EmulatorServer, refused: str, window: SlidingWindow, counted: str
) -> None:
    """The console line for a call over a per-user limit, with the admin route that resets it."""
    emulator.notify_refusal(
        f"Refused to {refused}: over the limit of {window.limit} {counted} per user in "
        f"{window.seconds / 60:g} minutes. To reset the limits: "
        f"curl -X DELETE {emulator.url}/_emulator/limits"
    )


def _send(
    emulator: EmulatorServer,
    request: Request,
    channel: str,
    to: str,
    authenticator_id: str | None = None,
) -> Challenge:
    store = emulator.store
    challenge = store.open_challenge(request.bearer.key, channel, to, authenticator_id)
    message = store.outbox.for_challenge(challenge.challenge_id)
    assert message is not None
    emulator.notify(message)
    return challenge


ROUTES: tuple[RouteSpec, ...] = (
    ("sms_challenge", "POST", "/v1/client/challenge/sms", "bearer", sms_challenge),
    ("whatsapp_challenge", "POST", "/v1/client/challenge/whatsapp", "bearer", whatsapp_challenge),
    ("sms_enroll", "POST", "/v1/client/user-authenticators/sms", "bearer", sms_enroll),
    ("sms_verify", "POST", "/v1/client/verify/sms", "bearer", sms_verify),
    ("whatsapp_verify", "POST", "/v1/client/verify/whatsapp", "bearer", whatsapp_verify),
    ("email_otp_challenge", "POST", "/v1/client/challenge/email-otp", "bearer", email_challenge),
    (
        "email_otp_enroll",
        "POST",
        "/v1/client/user-authenticators/email-otp",
        "bearer",
        email_enroll,
    ),
    ("email_otp_verify", "POST", "/v1/client/verify/email-otp", "bearer", email_verify),
    *passkeys.ROUTES,
)
