"""Sliding-window rate limits on the emulator clock."""

from __future__ import annotations

from collections import defaultdict, deque


class SlidingWindow:
    """At most `limit` hits per `seconds` for each key."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, now: float) -> bool:
        """Record a hit and say whether it fits; a refused hit is not recorded."""
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True
