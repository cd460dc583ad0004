"""How many pending logins (each one a batch of codes) a user and a client IP may start.

Fixed windows of PENDING_WINDOW seconds, counted in the cache named by CACHE_ALIAS. The codes
themselves are sent by the browser, straight to Authsignal: Authsignal's own limits bind those.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import BaseCache, caches

from .conf import app_settings


def take(user_id: str, ip: str | None) -> str:
    """Count one more pending login for the user, then for the IP; ``"user"`` or ``"ip"`` as
    soon as that budget is over for this window, else ``""``.

    A refused attempt is counted too: the window ends all the same, and counting first is one
    cache operation per budget instead of a read and a write.
    """
    cache = caches[app_settings.CACHE_ALIAS]
    for scope, value, limit in _budgets(user_id, ip):
        if limit and _count(cache, _key(scope, value)) > limit:
            return scope
    return ""


def _count(cache: BaseCache, key: str) -> int:
    try:
        return int(cache.incr(key))
    except ValueError:  # the first of this window
        if cache.add(key, 1, app_settings.PENDING_WINDOW):
            return 1
        return int(cache.incr(key))  # another process started it first


def _budgets(user_id: str, ip: str | None) -> list[tuple[str, str, int]]:
    budgets = [("user", user_id, app_settings.MAX_PENDING_PER_USER)]
    if ip:
        budgets.append(("ip", ip, app_settings.MAX_PENDING_PER_IP))
    return budgets


def _key(scope: str, value: str) -> str:
    window = int(time.time() // max(app_settings.PENDING_WINDOW, 1))
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"authsignal_sms:pending:{scope}:{window}:{digest}"
