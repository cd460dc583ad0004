"""The pending record in tests: build one, store one (damaged too), make one older.

Plain functions with no pytest in them, so the benchmark (bench/inprocess.py) builds its
records here as well. The record itself is ``django_authsignal_sms.record``.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from django_authsignal_sms.record import PENDING, RECORD_KEY, PendingRecord

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# What flow.start writes for a pending login: alice's, tracked with the fake's defaults
# (tests/conftest.py FakeAuthsignal), started from the login page with next /protected/.
PENDING_FIELDS: dict[str, Any] = {
    "user_id": "1",
    "backend": MODEL_BACKEND,
    "token": "track-token-1",
    "idempotency_key": "idem-1",
    "action": "signIn",
    "masked_phone": "+15*******06",
}
WHERE_TO_GO = {"next_url": "/protected/", "retry_url": "/accounts/login/"}


def make_record(outcome: str = PENDING, **fields: Any) -> PendingRecord:
    """A record as the flow writes one, any field overridden: a pending login's (who, which
    track, which backend), or a refusal's (its outcome, where to go back to)."""
    defaults = {**PENDING_FIELDS, **WHERE_TO_GO} if outcome == PENDING else WHERE_TO_GO
    return PendingRecord(outcome=outcome, **{**defaults, **fields})


def put_record(client: Any, record: PendingRecord | object) -> None:
    """Store a record in the test client's session; anything else is stored as it is (a
    damaged record, as only a compromised session store could hold)."""
    session = client.session
    stored = dataclasses.asdict(record) if isinstance(record, PendingRecord) else record
    session[RECORD_KEY] = stored
    session.save()


def age_record(client: Any, seconds: float, field: str = "started") -> None:
    """Move a time of the session's record (``started``, ``sent_at``) ``seconds`` into the past."""
    session = client.session
    session[RECORD_KEY][field] = time.time() - seconds
    session.save()
