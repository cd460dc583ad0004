"""The pending record: one small JSON-serialisable record in the session, and nothing else.

A record is written when Authsignal did not simply ALLOW a login. While it is there the session
is not logged in (the login's auth keys were removed), and the middleware steers every
non-exempt request to the code page (``PENDING``) or to the refusal page (the other outcomes).
Only ``flow`` changes it; everything else reads it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signing import JSONSerializer
from django.http import HttpRequest, HttpResponseBase

from .conf import app_settings

# Not django.contrib.auth.SESSION_KEY: the key of this record in the session.
RECORD_KEY = "_authsignal_sms"
# A cookie that says "this session has a record": the gate reads the session only then.
MARKER_COOKIE = "authsignal_sms_pending"

PENDING = "pending"
BLOCKED = "blocked"
REVIEW = "review"
ERROR = "error"
NO_PHONE = "no_phone"
SMS_ONLY = "sms_only"
TOO_MANY = "too_many"
OUTCOMES = (PENDING, BLOCKED, REVIEW, ERROR, NO_PHONE, SMS_ONLY, TOO_MANY)


@dataclass
class PendingRecord:
    outcome: str
    started: float = dataclasses.field(default_factory=time.time)
    user_id: str = ""
    backend: str = ""
    token: str = ""
    idempotency_key: str = ""
    action: str = ""
    masked_phone: str = ""
    whatsapp: bool = False
    # Set when the app enrolled the number on file during this login (first enrollment).
    authenticator_id: str = ""
    verified_baseline: str = ""
    # The challenge runs on an action Authsignal tracked as ALLOW (right after that enrollment).
    confirm_allow: bool = False
    next_url: str = ""
    retry_url: str = ""
    sent_at: float | None = None
    resends: int = 0
    failures: int = 0
    # Where the last code went ("sms", "whatsapp", "email"): the code page shows it after a reload.
    channel: str = "sms"
    # The methods offered (enrolled, allowed and enabled), the default first (methods.py).
    methods: list[str] = dataclasses.field(default_factory=list)

    @property
    def is_pending(self) -> bool:
        return self.outcome == PENDING

    def is_expired(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return now - self.started > app_settings.PENDING_LIFETIME


# What each stored field must be; a record that breaks this is treated as no record at all.
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "outcome": (str,),
    "started": (int, float),
    "user_id": (str,),
    "backend": (str,),
    "token": (str,),
    "idempotency_key": (str,),
    "action": (str,),
    "masked_phone": (str,),
    "whatsapp": (bool,),
    "authenticator_id": (str,),
    "verified_baseline": (str,),
    "confirm_allow": (bool,),
    "next_url": (str,),
    "retry_url": (str,),
    "sent_at": (int, float, type(None)),
    "resends": (int,),
    "failures": (int,),
    "channel": (str,),
    "methods": (list,),
}


def read(request: HttpRequest) -> PendingRecord | None:
    """The session's record, or ``None``; a damaged record counts as none."""
    raw = request.session.get(RECORD_KEY)
    if not isinstance(raw, dict) or raw.get("outcome") not in OUTCOMES:
        return None
    fields = {key: value for key, value in raw.items() if key in FIELD_TYPES}
    if not all(isinstance(value, FIELD_TYPES[key]) for key, value in fields.items()):
        return None
    return PendingRecord(**fields)


def write(request: HttpRequest, record: PendingRecord) -> None:
    request.session[RECORD_KEY] = stored(record)


def stored(record: PendingRecord) -> dict[str, Any]:
    """The record as the session keeps it. Not ``dataclasses.asdict``: that deep-copies every
    value through a generic walk, several times the cost of this copy of a flat record."""
    return {
        name: list(value) if isinstance(value, list) else value
        for name, value in vars(record).items()
    }


def remove(request: HttpRequest) -> PendingRecord | None:
    """Remove the record and return what it was: a record serves one attempt only."""
    record = read(request)
    request.session.pop(RECORD_KEY, None)
    return record


def present(request: HttpRequest) -> bool:
    """Cheap: a request without a session cookie has no stored session to read."""
    session = getattr(request, "session", None)
    if session is None or session.session_key is None:
        return False
    return RECORD_KEY in session


def signalled(request: HttpRequest) -> bool:
    """Whether the request carries the marker cookie set beside a record.

    Free: no session read, so no query and no ``Vary: Cookie`` for the great majority of
    requests. The session stays the authority: a request that drops the marker is only not
    steered, and it is anonymous all the same (the held login's auth keys are gone).
    """
    return MARKER_COOKIE in request.COOKIES


def sync_marker(request: HttpRequest, response: HttpResponseBase) -> None:
    """Set the marker cookie while the session has a record; delete it once it has none."""
    # Not ``present``: a session flushed by a refusal has no key until it is saved.
    has_record = RECORD_KEY in request.session
    if has_record and not signalled(request):
        response.set_cookie(
            MARKER_COOKIE,
            "1",
            path=settings.SESSION_COOKIE_PATH,
            domain=settings.SESSION_COOKIE_DOMAIN,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )
    elif not has_record and signalled(request):
        response.delete_cookie(
            MARKER_COOKIE,
            path=settings.SESSION_COOKIE_PATH,
            domain=settings.SESSION_COOKIE_DOMAIN,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )


def serialised_size(record: PendingRecord) -> int:
    data: dict[str, Any] = {RECORD_KEY: stored(record)}
    return len(JSONSerializer().dumps(data))
