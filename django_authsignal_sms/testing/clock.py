"""Time on the emulator: the clock tests move forward, and the sliding windows of its rate
limits, which read it."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class Clock:
    """Wall time plus an offset tests move forward; every expiry and rate limit reads it."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("The emulator clock only moves forward.")
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


class SlidingWindow:
    """At most `limit` hits per `seconds` for each key, on the emulator clock."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._order: deque[tuple[float, str]] = deque()  # every recorded hit, oldest first

    def __len__(self) -> int:
        """Keys with a hit in the window (or not pruned yet)."""
        return len(self._hits)

    def allow(self, key: str, now: float) -> bool:
        """Record a hit and say whether it fits; a refused hit is not recorded."""
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        self._order.append((now, key))
        return True

    def prune(self, now: float) -> None:
        """Forget hits that left the window, and keys left with none."""
        while self._order and self._order[0][0] <= now - self.seconds:
            _, key = self._order.popleft()
            hits = self._hits.get(key)
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if hits is not None and not hits:
                del self._hits[key]
