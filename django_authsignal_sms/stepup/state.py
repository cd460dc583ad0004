"""What a session holds for step-up: one pending step-up, and the step-ups it has completed.

The pending step-up is a pending record (the same checks apply to its token as at login) with
what the step-up adds: the binding of the custom data, the words for the page, and whether the
request that asked for it was a POST to submit again. Completed step-ups are kept per action,
with when, for whom, for which data and for which session key: a login or a new session key
ends them all, and ``flush()`` (logout) removes them with everything else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from ..record import FIELD_TYPES, OUTCOMES, PendingRecord

PENDING_KEY = "_authsignal_sms_stepup"
DONE_KEY = "_authsignal_sms_stepups"


@dataclass
class StepUpRecord(PendingRecord):
    binding: str = ""
    purpose: str = ""
    resubmit: bool = False


_STEP_UP_TYPES = {**FIELD_TYPES, "binding": (str,), "purpose": (str,), "resubmit": (bool,)}


def binding_of(custom: dict[str, Any], keys: tuple[str, ...] | None) -> str:
    """A digest of the custom data a step-up is bound to: ``keys`` of it, all of it (``None``),
    or nothing (``()``)."""
    if keys == ():
        return ""
    bound = custom if keys is None else {key: custom.get(key) for key in keys}
    text = json.dumps(bound, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# The pending step-up


def read_pending(request: HttpRequest) -> StepUpRecord | None:
    raw = request.session.get(PENDING_KEY)
    if not isinstance(raw, dict) or raw.get("outcome") not in OUTCOMES:
        return None
    fields = {key: value for key, value in raw.items() if key in _STEP_UP_TYPES}
    if not all(isinstance(value, _STEP_UP_TYPES[key]) for key, value in fields.items()):
        return None
    return StepUpRecord(**fields)


def write_pending(request: HttpRequest, pending: StepUpRecord) -> None:
    request.session[PENDING_KEY] = dataclasses.asdict(pending)


def remove_pending(request: HttpRequest) -> StepUpRecord | None:
    pending = read_pending(request)
    request.session.pop(PENDING_KEY, None)
    return pending


# Completed step-ups


def remember(request: HttpRequest, pending: StepUpRecord) -> None:
    done = _done(request)
    done[pending.action] = {
        "at": time.time(),
        "user": pending.user_id,
        "binding": pending.binding,
        "session": session_digest(request.session.session_key),
    }
    request.session[DONE_KEY] = done


def is_fresh(request: HttpRequest, action: str, binding: str, max_age: int) -> bool:
    """A step-up for ``action`` completed in this session, by this user, for this data, at
    most ``max_age`` seconds ago."""
    entry = _done(request).get(action)
    if not isinstance(entry, dict):
        return False
    at = entry.get("at")
    return (
        isinstance(at, int | float)
        and 0 <= time.time() - at <= max_age
        and entry.get("user") == str(request.user.pk)
        and entry.get("binding") == binding
        and entry.get("session") == session_digest(request.session.session_key)
    )


def forget_step_ups(request: HttpRequest) -> None:
    """End every step-up of the session, completed or pending."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(DONE_KEY, None)
        session.pop(PENDING_KEY, None)


def _done(request: HttpRequest) -> dict[str, Any]:
    done = request.session.get(DONE_KEY)
    return dict(done) if isinstance(done, dict) else {}


def session_digest(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]
