"""Deployment choices and what each does to a login: database connections kept or not, the
session backend, the Redis client, the cache for the app's claims (docs/performance.md).

Every configuration runs as two arms (bench/flows.py): an MFA login with the app, and a plain
password login on the same configuration without the app; all arms interleaved, MD5 hasher.
The app's cache (``AUTHSIGNAL_SMS["CACHE_ALIAS"]``, ``default`` here) is Redis unless the row
says LocMem: the claims must be shared by every worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.load import harness
from tests.load.harness import Emulator, SiteData

from . import flows
from .flows import WHOLE

DB = "django.contrib.sessions.backends.db"
CACHED_DB = "django.contrib.sessions.backends.cached_db"
CACHE = "django.contrib.sessions.backends.cache"
SIGNED = "django.contrib.sessions.backends.signed_cookies"

# key, label, session engine, cache ("redis" or "locmem"), CONN_MAX_AGE, Redis client
CONFIGS: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("db", "db sessions, CONN_MAX_AGE=0 (Django's default)", DB, "redis", 0, "django"),
    ("db_kept", "db sessions, CONN_MAX_AGE=60", DB, "redis", 60, "django"),
    ("cached_db", "cached_db sessions (Redis), CONN_MAX_AGE=60", CACHED_DB, "redis", 60, "django"),
    ("cache", "cache sessions on Redis (Django's RedisCache)", CACHE, "redis", 60, "django"),
    ("cache_kept", "cache sessions on Redis, Redis client kept", CACHE, "redis", 60, "kept"),
    (
        "cache_per_request",
        "cache sessions on Redis, new connection per request (as under ASGI)",
        CACHE,
        "redis",
        60,
        "per_request",
    ),
    ("signed", "signed-cookie sessions (the app warns: W004)", SIGNED, "redis", 60, "django"),
    (
        "db_locmem",
        "db sessions, CONN_MAX_AGE=60, LocMem cache (one process only)",
        DB,
        "locmem",
        60,
        "django",
    ),
)
BASELINE = "db"


def specs_and_envs(
    data: SiteData, emulator: Emulator, redis: harness.Redis
) -> tuple[list[flows.ArmSpec], list[dict[str, str]]]:
    specs, envs = [], []
    for key, _label, engine, cache, conn_max_age, client in CONFIGS:
        knobs = {"BENCH_CONN_MAX_AGE": str(conn_max_age), "BENCH_REDIS_CLIENT": client}
        for spec in (
            flows.app_arm(f"{key}:app", **knobs),
            flows.plain_arm(f"{key}:plain", **knobs),
        ):
            env = flows.arm_env(spec, data, emulator, sessions="db")
            env["SESSION_ENGINE"] = engine
            env["CACHE_URL"] = redis.url if cache == "redis" else "locmemcache://"
            specs.append(spec)
            envs.append(env)
    return specs, envs


def compare(
    emulator: Emulator,
    data: SiteData,
    redis: harness.Redis,
    users: Iterator[Any],
    rounds: int,
    per_round: int,
) -> dict[str, Any]:
    specs, envs = specs_and_envs(data, emulator, redis)
    with flows.arms(specs, envs, data.directory) as running:
        raw = flows.interleave(running, users, rounds, per_round)
    baseline = flows.summarise(raw[f"{BASELINE}:app"], WHOLE)
    assert baseline is not None
    rows = []
    for key, label, *_ in CONFIGS:
        mfa = flows.summarise(raw[f"{key}:app"], WHOLE)
        plain = flows.summarise(raw[f"{key}:plain"], WHOLE)
        assert mfa is not None and plain is not None
        rows.append(
            {
                "key": key,
                "label": label,
                "mfa": mfa,
                "plain": plain,
                "vs_baseline": flows.ratios(mfa, baseline),
                "app_share_ms": [
                    m - p for m, p in zip(mfa["cpu_rounds"], plain["cpu_rounds"], strict=True)
                ],
            }
        )
    return {"rounds": rounds, "users_per_round": per_round, "baseline": BASELINE, "rows": rows}
