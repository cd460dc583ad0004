"""The pending change of sign-in phone: one record in the session, bound to its user and to the
session key it was started under.

It is a pending record (the code page's counters, the claim and the verdict apply as at login)
with what a change adds: the number typed, the number it replaces and the authenticators that
held it, to put back if anything fails. The user typed the new number and proved the old one
with a code, so both are kept in full here (never in a page but the new number's code page).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from ..record import FIELD_TYPES, OUTCOMES, PendingRecord
from ..stepup.state import session_digest

CHANGE_KEY = "_authsignal_sms_phone_change"


@dataclass
class PhoneChange(PendingRecord):
    new_phone: str = ""
    old_phone: str = ""
    old_ids: list[str] = field(default_factory=list)
    session: str = ""


_CHANGE_TYPES = {
    **FIELD_TYPES,
    "new_phone": (str,),
    "old_phone": (str,),
    "old_ids": (list,),
    "session": (str,),
}


def read(request: HttpRequest) -> PhoneChange | None:
    """The session's pending change, or ``None``; a damaged one counts as none."""
    raw = request.session.get(CHANGE_KEY)
    if not isinstance(raw, dict) or raw.get("outcome") not in OUTCOMES:
        return None
    fields = {key: value for key, value in raw.items() if key in _CHANGE_TYPES}
    if not all(isinstance(value, _CHANGE_TYPES[key]) for key, value in fields.items()):
        return None
    if not all(isinstance(old, str) for old in fields.get("old_ids", [])):
        return None
    return PhoneChange(**fields)


def write(request: HttpRequest, change: PhoneChange) -> None:
    request.session[CHANGE_KEY] = dataclasses.asdict(change)


def remove(request: HttpRequest) -> PhoneChange | None:
    """Remove the pending change and return what it was: it serves one attempt only."""
    change = read(request)
    request.session.pop(CHANGE_KEY, None)
    return change


def this_session(request: HttpRequest) -> str:
    return session_digest(request.session.session_key)


def belongs_here(request: HttpRequest, change: PhoneChange) -> bool:
    """The change was started by the signed-in user, in this session (a login in between
    gives the session a new key, and so ends it)."""
    user: Any = request.user
    return (
        user.is_authenticated
        and change.user_id == str(user.pk)
        and change.session == this_session(request)
    )
