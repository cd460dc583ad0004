"""Server routes for actions: track, get, update and validate (Basic auth)."""

from __future__ import annotations

import re
import uuid

from . import render
from .clock import iso
from .engine import Emulator
from .errors import expired_token, invalid_request, not_found
from .models import Action, ActionKey
from .policy import is_valid, track_decision
from .rules import ALL_STATES
from .store import DEFAULT_SCOPES
from .wire import Reply, Request

ACTION_CODE = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def track(emulator: Emulator, request: Request) -> Reply:
    user_id, code = request.params["userId"], request.params["action"]
    if not ACTION_CODE.fullmatch(code):
        raise invalid_request("The action code must match ^[a-zA-Z0-9_-]{1,64}$.")
    store = emulator.store
    user = store.user(user_id)
    user.phone_number = request.text("phoneNumber") or user.phone_number
    user.email = request.text("email") or user.email
    user.username = request.text("username") or user.username
    key = ActionKey(user_id, code, request.text("idempotencyKey") or str(uuid.uuid4()))
    action = store.actions.get(key)
    if action is None:
        enrolled = bool(store.authenticators_of(user_id))
        decision = track_decision(
            emulator.rules, emulator.variants, code, user.identities(), enrolled=enrolled
        )
        action = store.create_action(key, decision)
    scopes = frozenset((request.text("scope") or "").split()) | DEFAULT_SCOPES
    token = store.issue_token(key, scopes)
    return Reply(
        {
            "state": action.state,
            "idempotencyKey": key.idempotency_key,
            "url": f"{emulator.root_url}/_emulator/ui?token={token.value}",
            "token": token.value,
            **render.enrollment(store, user_id, emulator.rules.allowed_methods(code)),
            "ruleIds": list(action.rule_ids),
        }
    )


def get_action(emulator: Emulator, request: Request) -> Reply:
    return Reply(render.action(_find(emulator, request)))


def update_action(emulator: Emulator, request: Request) -> Reply:
    action = _find(emulator, request)
    state = request.text("state")
    if state not in ALL_STATES:
        raise invalid_request(f"state must be one of {', '.join(ALL_STATES)}.")
    emulator.store.set_state(action, state)
    return Reply(render.action(action))


def validate(emulator: Emulator, request: Request) -> Reply:
    value = request.text("token")
    if value is None:
        raise invalid_request("token is required.")
    token = emulator.store.resolve_token(value)
    if token is None:
        return _bad_token(emulator)
    # A live token always has its action: delete_user and reset drop both together.
    action = emulator.store.actions[token.key]
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


def _bad_token(emulator: Emulator) -> Reply:
    """An unknown, malformed or expired token: undocumented, so set by the bad_token variant."""
    variant = emulator.variants["bad_token"]
    if variant == "not_valid":
        return Reply({"isValid": False})
    if variant == "invalid_request":
        raise invalid_request("The token is invalid or has expired.")
    raise expired_token()


def _find(emulator: Emulator, request: Request) -> Action:
    params = request.params
    key = ActionKey(params["userId"], params["action"], params["idempotencyKey"])
    action = emulator.store.actions.get(key)
    if action is None:
        raise not_found("No action with this user id, action code and idempotency key.")
    return action
