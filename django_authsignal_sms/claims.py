"""One pending login completes once, across every worker process: an atomic claim in the cache.

The session alone cannot promise it: parallel callbacks of one session each read the mark before
any of them saves its removal. ``cache.add`` is atomic on a shared cache (Redis, Memcached, the
database cache); a check warns when the configured cache cannot give that guarantee.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches

from .conf import app_settings
from .record import PendingRecord

# Past the pending lifetime nothing can be completed anyway; the margin covers clock skew.
MARGIN_SECONDS = 60


def claim(pending: PendingRecord) -> bool:
    """True for the first caller for this pending login, False for every later one."""
    digest = hashlib.sha256(f"{pending.user_id}\0{pending.idempotency_key}".encode()).hexdigest()
    cache = caches[app_settings.CACHE_ALIAS]
    timeout = app_settings.PENDING_LIFETIME + MARGIN_SECONDS
    return bool(cache.add(f"authsignal_sms:claimed:{digest[:40]}", 1, timeout))
