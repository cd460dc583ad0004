"""Two variants of Django's ``RedisCache`` that ``bench.deploy`` measures against it.

Django (5.2) keeps one ``RedisCache`` per thread, and in it one connection pool, but builds a
new ``redis.Redis`` client object on that pool for every cache call (``get_client``): tens of
microseconds each, a few dozen calls per login with sessions in the cache.

* ``KeptClientRedisCache`` keeps the client too (one per pool): what docs/performance.md
  recommends, ten lines in a project.
* ``PoolPerRequestRedisCache`` drops its pool when the request ends, so every request opens a
  new connection: what Django does where it builds a cache object per request (an async view
  under ASGI gets a new one per task), measured here under WSGI to show what a kept pool saves.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient


class PoolPerRequestRedisCache(RedisCache):
    def close(self, **kwargs: Any) -> None:
        """Called by Django when a request ends: forget the pool (and its connection)."""
        cache = self.__dict__.pop("_cache", None)
        if cache is not None:
            for pool in cache._pools.values():
                pool.disconnect()
