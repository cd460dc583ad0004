"""The benchmark's settings: the load site's (tests/load/site_settings.py, with its env knobs),
plus two tiny views of its own (bench/urls.py) and the deployment knobs ``bench.deploy``
compares, all from the environment:

* ``BENCH_CONN_MAX_AGE`` (default 0, Django's): seconds a database connection is kept.
* ``BENCH_REDIS_CLIENT``: with a ``redis://`` ``CACHE_URL``, ``django`` (default: Django's
  ``RedisCache``, a new client object for every call on a pool kept per thread), ``kept`` (one
  client kept per thread: ``bench.redis_cache.KeptClientRedisCache``) or ``per_request`` (a new
  pool, so a new connection, for every request, as Django gives an async view under ASGI:
  ``bench.redis_cache.PoolPerRequestRedisCache``).
"""

from __future__ import annotations

from tests.load.site_settings import *  # noqa: F403
from tests.load.site_settings import CACHES, DATABASES, env

ROOT_URLCONF = "bench.urls"

DATABASES["default"]["CONN_MAX_AGE"] = env.int("BENCH_CONN_MAX_AGE", default=0)

REDIS_CACHES = {
    "django": "django.core.cache.backends.redis.RedisCache",
    "kept": "bench.redis_cache.KeptClientRedisCache",
    "per_request": "bench.redis_cache.PoolPerRequestRedisCache",
}
if CACHES["default"]["BACKEND"] == REDIS_CACHES["django"]:
    CACHES["default"]["BACKEND"] = REDIS_CACHES[env("BENCH_REDIS_CLIENT", default="django")]
