"""How many pending logins (each one a batch of codes) a user and a client IP may start.

Fixed windows of PENDING_WINDOW seconds, counted in the cache named by CACHE_ALIAS. The codes
themselves are sent by the browser, straight to Authsignal: Authsignal's own limits bind those.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import caches

from .conf import app_settings


def exceeded(user_id: str, ip: str | None) -> str:
    """``"user"`` or ``"ip"`` when that budget is used up for this window, else ``""``."""
    cache = caches[app_settings.CACHE_ALIAS]
    for scope, value, limit in _budgets(user_id, ip):
        if limit and (cache.get(_key(scope, value)) or 0) >= limit:
            return scope
    return ""


def spend(user_id: str, ip: str | None) -> None:
    """Count one more pending login for the user and for the IP."""
    cache = caches[app_settings.CACHE_ALIAS]
    for scope, value, _limit in _budgets(user_id, ip):
        key = _key(scope, value)
        cache.add(key, 0, app_settings.PENDING_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this window starts now
            cache.add(key, 1, app_settings.PENDING_WINDOW)


def _budgets(user_id: str, ip: str | None) -> list[tuple[str, str, int]]:
    budgets = [("user", user_id, app_settings.MAX_PENDING_PER_USER)]
    if ip:
        budgets.append(("ip", ip, app_settings.MAX_PENDING_PER_IP))
    return budgets


def _key(scope: str, value: str) -> str:
    window = int(time.time() // max(app_settings.PENDING_WINDOW, 1))
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"authsignal_sms:pending:{scope}:{window}:{digest}"
