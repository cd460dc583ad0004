"""Server routes for users and their authenticators (Basic auth)."""

from __future__ import annotations

import re
from typing import Any

from . import render
from .engine import Emulator
from .errors import invalid_request, not_found
from .wire import Reply, Request

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SERVER_METHODS = ("SMS", "EMAIL_OTP")


def phone_number(request: Request) -> str:
    value = request.text("phoneNumber")
    if value is None or not E164.fullmatch(value):
        raise invalid_request("phoneNumber must be an E.164 number, like +64211234567.")
    return value


def get_user(emulator: Emulator, request: Request) -> Reply:
    return _user(emulator, request.params["userId"])


def update_user(emulator: Emulator, request: Request) -> Reply:
    user_id = request.params["userId"]
    custom = request.body.get("custom")
    if custom is not None and not isinstance(custom, dict):
        raise invalid_request("custom must be an object.")
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


def _user(emulator: Emulator, user_id: str) -> Reply:
    return Reply(render.user(emulator.store, user_id, emulator.rules.allowed_methods()))


def delete_user(emulator: Emulator, request: Request) -> Reply:
    emulator.store.delete_user(request.params["userId"])
    return Reply({})


def list_authenticators(emulator: Emulator, request: Request) -> Reply:
    found = emulator.store.authenticators_of(request.params["userId"])
    return Reply([render.authenticator(a) for a in found])


def enroll_authenticator(emulator: Emulator, request: Request) -> Reply:
    """Enroll an already verified authenticator; no code is sent."""
    method = request.text("verificationMethod")
    if method not in SERVER_METHODS:
        raise invalid_request(f"verificationMethod must be one of {', '.join(SERVER_METHODS)}.")
    user_id = request.params["userId"]
    store = emulator.store
    if method == "SMS":
        authenticator = store.add_authenticator(user_id, method, phone_number=phone_number(request))
    else:
        email = request.text("email")
        if email is None or "@" not in email:
            raise invalid_request("email is required for EMAIL_OTP.")
        authenticator = store.add_authenticator(user_id, method, email=email)
    store.verify_authenticator(authenticator, is_default=bool(request.flag("isDefault")))
    return Reply({"authenticator": render.authenticator(authenticator)})


def delete_authenticator(emulator: Emulator, request: Request) -> Reply:
    params = request.params
    if not emulator.store.remove_authenticator(params["userId"], params["authenticatorId"]):
        raise not_found("This user has no authenticator with that id.")
    return Reply({})
