"""Authsignal's server API (HTTP Basic, user = secret key): track, actions, validate, users and
their authenticators, with the JSON shapes of their replies."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .risk import Signals
from .state import (
    ACTION_CODE,
    ALL_STATES,
    Action,
    ActionKey,
    Reply,
    Request,
    expired_token,
    invalid_request,
    iso,
    not_found,
)
from .store import DEFAULT_SCOPES, Store
from .tenant import (
    after_approval,
    is_valid,
    knows_device_after_track,
    remembers_approvals,
    track_decision,
)

if TYPE_CHECKING:
    from .dispatch import RouteSpec
    from .server import EmulatorServer

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
SERVER_METHODS = ("SMS", "EMAIL_OTP")


# Actions


def track(emulator: EmulatorServer, request: Request) -> Reply:
    user_id, code = request.params["userId"], request.params["action"]
    if not ACTION_CODE.fullmatch(code):
        raise invalid_request("The action code must match ^[a-zA-Z0-9_-]{1,64}$.")
    custom, device_id = request.mapping("custom") or {}, request.text("deviceId")
    locale = request.text("locale")
    store = emulator.store
    user = store.user(user_id)
    user.phone_number = request.text("phoneNumber") or user.phone_number
    user.email = request.text("email") or user.email
    user.username = request.text("username") or user.username
    key = ActionKey(user_id, code, request.text("idempotencyKey") or str(uuid.uuid4()))
    action = store.action(key)
    if action is None:
        enrolled = bool(store.authenticators_of(user_id))
        signals = Signals(custom, device_is_new=not store.knows_device(user_id, device_id))
        decision = track_decision(
            emulator.rules, emulator.variants, code, user.identities(), signals, enrolled=enrolled
        )
        if remembers_approvals(emulator.variants) and approved_since_last_track(
            store, user_id, code
        ):
            decision = after_approval(decision, enrolled=enrolled)
        action = store.create_action(key, decision, device_id, locale)
    if device_id is not None and knows_device_after_track(emulator.variants):
        store.remember_device(user_id, device_id)
    scopes = frozenset((request.text("scope") or "").split()) | DEFAULT_SCOPES
    token = store.issue_token(key, scopes)
    return Reply(
        {
            "state": action.state,
            "idempotencyKey": key.idempotency_key,
            # No pre-built UI here: this path answers like any path the emulator does not know.
            "url": f"{emulator.url}/ui?token={token.value}",
            "token": token.value,
            **enrollment(store, user_id, emulator.rules.allowed_methods(code)),
            "ruleIds": list(action.rule_ids),
        }
    )


def get_action(emulator: EmulatorServer, request: Request) -> Reply:
    return Reply(_action_json(_find(emulator, request)))


def update_action(emulator: EmulatorServer, request: Request) -> Reply:
    action = _find(emulator, request)
    state = request.text("state")
    if state not in ALL_STATES:
        raise invalid_request(f"state must be one of {', '.join(ALL_STATES)}.")
    emulator.store.set_state(action, state)
    return Reply(_action_json(action))


def approved_since_last_track(store: Store, user_id: str, code: str) -> bool:
    """Whether a review of one of the user's actions of this code was approved (its state set
    to REVIEW_SUCCEEDED) after their latest track of it: the next track is the one that follows
    an approval. Actions are kept an hour after their last change, and so is this."""
    store.sweep()
    # The store's index of a user's actions, oldest first.
    mine = [store.actions[key] for key in store._actions_of.get(user_id, ()) if key.action == code]
    if not mine:
        return False
    latest_track = mine[-1].created_at
    return any(
        action.state == "REVIEW_SUCCEEDED" and action.state_updated_at > latest_track
        for action in mine
    )


def validate(emulator: EmulatorServer, request: Request) -> Reply:
    value = request.text("token")
    if value is None:
        raise invalid_request("token is required.")
    token = emulator.store.resolve_token(value)
    if token is None:
        return _bad_token(emulator)
    # A live token always has its action: the store drops an action with its tokens, and keeps
    # it longer than any of them lives.
    action = emulator.store.action(token.key)
    assert action is not None
    key = action.key
    # Mismatches answer 200 with an `error` text, as Authsignal's Ruby SDK tests stub it.
    if request.text("userId") not in (None, key.user_id):
        return Reply({"isValid": False, "error": "User is invalid."})
    if request.text("action") not in (None, key.action):
        return Reply({"isValid": False, "error": "Action is invalid."})
    body = {
        "isValid": is_valid(action.state, emulator.variants),
        "state": action.state,
        "stateUpdatedAt": iso(action.state_updated_at),
        "userId": key.user_id,
        "action": key.action,
        "actionCode": key.action,
        "idempotencyKey": key.idempotency_key,
    }
    if action.verification_method is not None:
        body["verificationMethod"] = action.verification_method
    return Reply(body)


def _bad_token(emulator: EmulatorServer) -> Reply:
    """An unknown, malformed or expired token: undocumented, so set by the bad_token variant."""
    variant = emulator.variants["bad_token"]
    if variant == "not_valid":
        return Reply({"isValid": False})
    if variant == "invalid_request":
        raise invalid_request("The token is invalid or has expired.")
    raise expired_token()


def _find(emulator: EmulatorServer, request: Request) -> Action:
    params = request.params
    key = ActionKey(params["userId"], params["action"], params["idempotencyKey"])
    action = emulator.store.action(key)
    if action is None:
        raise not_found("No action with this user id, action code and idempotency key.")
    return action


# Users and authenticators


def phone_number(request: Request) -> str:
    value = request.text("phoneNumber")
    if value is None or not E164.fullmatch(value):
        raise invalid_request("phoneNumber must be an E.164 number, like +64211234567.")
    return value


def email_address(request: Request) -> str:
    value = request.text("email")
    if value is None or not EMAIL.fullmatch(value):
        raise invalid_request("email must be an email address, like jane@example.com.")
    return value


def get_user(emulator: EmulatorServer, request: Request) -> Reply:
    return _user(emulator, request.params["userId"])


def update_user(emulator: EmulatorServer, request: Request) -> Reply:
    user_id = request.params["userId"]
    custom = request.mapping("custom")
    changes: dict[str, Any] = {
        "email": request.text("email"),
        "email_verified": request.flag("emailVerified"),
        "phone_number": request.text("phoneNumber"),
        "phone_number_verified": request.flag("phoneNumberVerified"),
        "username": request.text("username"),
        "display_name": request.text("displayName"),
        "custom": custom,
    }
    user = emulator.store.user(user_id)
    for name, value in changes.items():
        if value is not None:
            setattr(user, name, value)
    return _user(emulator, user_id)


def delete_user(emulator: EmulatorServer, request: Request) -> Reply:
    emulator.store.delete_user(request.params["userId"])
    return Reply({})


def list_authenticators(emulator: EmulatorServer, request: Request) -> Reply:
    found = emulator.store.authenticators_of(request.params["userId"])
    return Reply([a.to_json() for a in found])


def enroll_authenticator(emulator: EmulatorServer, request: Request) -> Reply:
    """Enroll an already verified authenticator; no code is sent."""
    method = request.text("verificationMethod")
    if method not in SERVER_METHODS:
        raise invalid_request(f"verificationMethod must be one of {', '.join(SERVER_METHODS)}.")
    user_id = request.params["userId"]
    store = emulator.store
    if method == "SMS":
        authenticator = store.add_authenticator(user_id, method, phone_number=phone_number(request))
    else:
        authenticator = store.add_authenticator(user_id, method, email=email_address(request))
    store.verify_authenticator(authenticator, is_default=bool(request.flag("isDefault")))
    return Reply({"authenticator": authenticator.to_json()})


def delete_authenticator(emulator: EmulatorServer, request: Request) -> Reply:
    params = request.params
    if not emulator.store.remove_authenticator(params["userId"], params["authenticatorId"]):
        raise not_found("This user has no authenticator with that id.")
    return Reply({})


# JSON shapes, camelCase as on the wire


def enrollment(store: Store, user_id: str, allowed: Sequence[str]) -> dict[str, Any]:
    """Enrollment fields: any verified authenticator counts; `allowed` is the tenant's setting."""
    authenticators = store.authenticators_of(user_id)
    body: dict[str, Any] = {
        "isEnrolled": bool(authenticators),
        "enrolledVerificationMethods": sorted({a.verification_method for a in authenticators}),
        "allowedVerificationMethods": list(allowed),
    }
    defaults = [a for a in authenticators if a.is_default] or authenticators
    if defaults:
        body["defaultVerificationMethod"] = defaults[0].verification_method
    return body


def _user(emulator: EmulatorServer, user_id: str) -> Reply:
    store, record = emulator.store, emulator.store.users.get(user_id)
    body: dict[str, Any] = {
        "userId": user_id,
        **enrollment(store, user_id, emulator.rules.allowed_methods()),
    }
    if record is None:
        return Reply({**body, "emailVerified": False, "phoneNumberVerified": False})
    optional = {
        "email": record.email,
        "phoneNumber": record.phone_number,
        "username": record.username,
        "displayName": record.display_name,
        "custom": record.custom,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    body["emailVerified"] = record.email_verified
    body["phoneNumberVerified"] = record.phone_number_verified
    return Reply(body)


def _action_json(record: Action) -> dict[str, Any]:
    body: dict[str, Any] = {
        "state": record.state,
        "createdAt": iso(record.created_at),
        "stateUpdatedAt": iso(record.state_updated_at),
        "output": {},
        "ruleIds": list(record.rule_ids),
    }
    if record.verification_method is not None:
        body["verificationMethod"] = record.verification_method
    return body


_USER = "/v1/users/{userId}"
_ACTION = _USER + "/actions/{action}/{idempotencyKey}"
_AUTHENTICATOR = _USER + "/authenticators/{authenticatorId}"
ROUTES: tuple[RouteSpec, ...] = (
    ("track", "POST", _USER + "/actions/{action}", "basic", track),
    ("get_action", "GET", _ACTION, "basic", get_action),
    ("update_action", "PATCH", _ACTION, "basic", update_action),
    ("validate", "POST", "/v1/validate", "basic", validate),
    ("get_user", "GET", _USER, "basic", get_user),
    ("update_user", "PATCH", _USER, "basic", update_user),
    ("delete_user", "DELETE", _USER, "basic", delete_user),
    ("get_authenticators", "GET", _USER + "/authenticators", "basic", list_authenticators),
    ("enroll_authenticator", "POST", _USER + "/authenticators", "basic", enroll_authenticator),
    ("delete_authenticator", "DELETE", _AUTHENTICATOR, "basic", delete_authenticator),
)
