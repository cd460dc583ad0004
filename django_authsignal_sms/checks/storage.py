"""Where pending logins are kept: the session backend (W004) and the cache that makes each
pending login single use (E008, E009, and W009 with --deploy)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..conf import _option, app_settings
from .reading import is_or_subclasses

SIGNED_COOKIES = "django.contrib.sessions.backends.signed_cookies"
DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "keeps its entries in each worker process",
    "django.core.cache.backends.filebased.FileBasedCache": "cannot add() atomically across "
    "processes",
}
SHARED_CACHE_HINT = (
    "Point AUTHSIGNAL_SMS['CACHE_ALIAS'] at a cache every worker shares with an atomic add(): "
    "Redis, Memcached or the database cache."
)


def check_session_backend(**kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "SESSION_ENGINE", "") != SIGNED_COOKIES:
        return []
    return [
        Warning(
            "Signed-cookie sessions let a used pending mark be brought back by replaying "
            "an old cookie.",
            hint="Use a server-side session backend (database, cache or cached_db).",
            id="authsignal_sms.W004",
        )
    ]


def _claim_cache() -> tuple[str, dict[Any, Any]] | None:
    """(CACHE_ALIAS, CACHES) while ENABLED; None when there is nothing to check.

    A CACHE_ALIAS of the wrong type or empty is E005's; a CACHES that is not a dict is Django's.
    """
    alias = _option("CACHE_ALIAS")
    caches = getattr(settings, "CACHES", {})
    if not app_settings.ENABLED or not isinstance(alias, str) or not alias:
        return None
    return (alias, caches) if isinstance(caches, dict) else None


def _cache_backend(config: Any) -> str:
    backend = config.get("BACKEND") if isinstance(config, dict) else None
    return backend if isinstance(backend, str) else ""


def check_cache(**kwargs: Any) -> list[CheckMessage]:
    found = _claim_cache()
    if found is None:
        return []
    alias, caches = found
    if alias not in caches:
        return [
            Error(
                f"AUTHSIGNAL_SMS['CACHE_ALIAS'] {alias!r} is not in CACHES.",
                hint="Name one of CACHES (the default is 'default'): each code's login is "
                "claimed there once, and pending logins are counted there.",
                id="authsignal_sms.E008",
            )
        ]
    if is_or_subclasses(_cache_backend(caches[alias]), DUMMY_CACHE):
        return [
            Error(
                f"The cache {alias!r} (AUTHSIGNAL_SMS['CACHE_ALIAS']) is a DummyCache: its add() "
                "always succeeds, so a code's token could complete any number of logins.",
                hint=SHARED_CACHE_HINT,
                id="authsignal_sms.E009",
            )
        ]
    return []


def check_cache_shared(**kwargs: Any) -> list[CheckMessage]:
    found = _claim_cache()
    if found is None:
        return []
    alias, caches = found
    backend = _cache_backend(caches.get(alias))
    for name, problem in PER_PROCESS_CACHES.items():
        if backend and is_or_subclasses(backend, name):
            return [
                Warning(
                    f"The cache {alias!r} (AUTHSIGNAL_SMS['CACHE_ALIAS']) is a "
                    f"{name.rpartition('.')[2]}, which {problem}: with several worker processes "
                    "a code's token could complete more than one login.",
                    hint=SHARED_CACHE_HINT,
                    id="authsignal_sms.W009",
                )
            ]
    return []
