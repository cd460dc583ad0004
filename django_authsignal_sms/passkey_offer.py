"""After a sign-in completed with a code: the one-click offer to add a passkey.

Adding an authenticator to a user who has one needs a track token with the
``add:authenticators`` scope, and whoever holds such a token can add a passkey to the account.
So the token is generated here only, server-side, and only for a session that has just completed
a challenge: the callback leaves a short-lived mark in the session (``mark``), and the endpoint
that tracks the action takes it away (``take``) before asking Authsignal. No mark, a stale one,
another user's, or one already used: no token.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from . import client, methods
from .client import ValidationResult
from .record import PendingRecord

MARK_KEY = "_authsignal_sms_passkey_offer"
# Seconds the offer stays open after the challenge: long enough to read one page and click.
LIFETIME = 300
# The action tracked for the token that adds the passkey (allow PASSKEY for it in the portal).
ACTION = "addPasskey"
SCOPE = "add:authenticators"


def worth_offering(pending: PendingRecord, result: ValidationResult) -> bool:
    """Passkeys are enabled, the sign-in was completed with a code, and none was offered."""
    return (
        methods.PASSKEY in methods.enabled()
        and result.verification_method in methods.CODE_METHODS
        and methods.PASSKEY not in pending.methods
    )


def mark(request: HttpRequest, user_id: str) -> None:
    """Called by the callback right after a completed challenge, and from nowhere else."""
    request.session[MARK_KEY] = {"user_id": user_id, "until": time.time() + LIFETIME}


def is_marked(request: HttpRequest) -> bool:
    return _valid(request.session.get(MARK_KEY), request.user)


def take(request: HttpRequest) -> bool:
    """Whether this session may get the token now; the mark is used up either way."""
    return _valid(request.session.pop(MARK_KEY, None), request.user)


def _valid(found: Any, user: Any) -> bool:
    if not isinstance(found, dict) or not getattr(user, "is_authenticated", False):
        return False
    until = found.get("until")
    fresh = isinstance(until, int | float) and time.time() < until
    return fresh and found.get("user_id") == str(user.pk)


def token_for(user: AbstractBaseUser) -> str:
    """A token able to add one authenticator for ``user``; "" when Authsignal refuses it."""
    result = client.track_action(str(user.pk), ACTION, {"scope": SCOPE})
    if result.state not in ("ALLOW", "CHALLENGE_REQUIRED"):
        return ""
    return result.token
