"""Authsignal's client API, as the browser SDK calls it with a Bearer token: SMS and WhatsApp
challenge and verify, and SMS enrollment (sms.enroll)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from .server_api import phone_number
from .state import Action, ApiError, Challenge, Reply, Request, invalid_request, too_many_requests
from .store import ACCESS_SCOPES, MAX_FAILED_ATTEMPTS
from .tenant import open_states, state_after_verify

if TYPE_CHECKING:
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


def sms_enroll(emulator: EmulatorServer, request: Request) -> Reply:
    """Add an unverified SMS authenticator and text it a code; verify completes it."""
    token, store = request.bearer, emulator.store
    _open_action(emulator, request, "SMS")
    number = phone_number(request)
    user_id = token.key.user_id
    if store.authenticators_of(user_id) and "add:authenticators" not in token.scopes:
        raise ApiError(
            403,
            "unauthorized",
            "The user already has an authenticator: adding another needs a token with the "
            "add:authenticators scope (track with scope, or use the accessToken from a verify).",
        )
    _check_send_limit(emulator, user_id)
    for stale in store.authenticators_of(user_id, verified_only=False):
        if not stale.verified and stale.verification_method == "SMS":
            store.remove_authenticator(user_id, stale.authenticator_id)
    authenticator = store.add_authenticator(user_id, "SMS", phone_number=number)
    _send(emulator, request, "SMS", number, authenticator.authenticator_id)
    return Reply({"userAuthenticatorId": authenticator.authenticator_id, "userId": user_id})


def _challenge(emulator: EmulatorServer, request: Request, channel: str) -> Reply:
    _open_action(emulator, request, channel)
    user_id = request.bearer.key.user_id
    authenticator = emulator.store.sms_authenticator(user_id)
    if authenticator is None or authenticator.phone_number is None:
        raise invalid_request(
            "The user has no verified SMS authenticator: enroll a phone number first "
            "(sms.enroll in the browser, or enroll_verified_authenticator on the server)."
        )
    _check_send_limit(emulator, user_id)
    challenge = _send(emulator, request, channel, authenticator.phone_number)
    return Reply({"challengeId": challenge.challenge_id})


def _verify(emulator: EmulatorServer, request: Request, channel: str) -> Reply:
    token, store = request.bearer, emulator.store
    action = _action(emulator, request)
    if not store.verifies.allow(token.key.user_id, emulator.clock.now()):
        raise too_many_requests("More than 10 verification attempts for this user in 5 minutes.")
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
        used = store.sms_authenticator(action.key.user_id)
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


def _check_send_limit(emulator: EmulatorServer, user_id: str) -> None:
    if not emulator.store.sends.allow(user_id, emulator.clock.now()):
        raise too_many_requests("More than 6 codes sent to this user in 10 minutes.")


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
)
