"""Fault injection: make chosen routes misbehave so failure handling can be tested."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

# Modes that replace the route entirely; the others alter the route's real reply.
BEFORE_ROUTE = ("timeout", "refuse", "status:500", "status:503", "status:401", "status:429", "html")
AFTER_ROUTE = ("missing_fields", "unknown_state", "charset")
MODES = BEFORE_ROUTE + AFTER_ROUTE


@dataclass
class Fault:
    mode: str
    routes: frozenset[str] | None = None  # None: every API route except the CORS preflight
    remaining: int | None = None  # None: until cleared

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], known_routes: Collection[str]) -> Fault:
        """Parse `{"mode", "routes"?, "count"?}`; raise ValueError naming the problem."""
        mode = data.get("mode")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}.")
        routes = data.get("routes")
        if routes is not None:
            if not isinstance(routes, list) or not all(isinstance(r, str) for r in routes):
                raise ValueError("routes must be a list of route names, or null for all.")
            unknown = set(routes) - set(known_routes)
            if unknown:
                raise ValueError(
                    f"Unknown routes {sorted(unknown)}; known: {sorted(known_routes)}."
                )
        count = data.get("count")
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or count < 1
        ):
            raise ValueError("count must be a positive integer, or null for no limit.")
        return cls(str(mode), None if routes is None else frozenset(routes), count)

    def to_mapping(self) -> dict[str, Any]:
        routes = None if self.routes is None else sorted(self.routes)
        return {"mode": self.mode, "routes": routes, "count": self.remaining}


class FaultSwitch:
    """Holds at most one fault; each matching request uses up one of its count."""

    def __init__(self) -> None:
        self._fault: Fault | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> Fault | None:
        with self._lock:
            return self._fault

    def set(self, fault: Fault | None) -> None:
        with self._lock:
            self._fault = fault

    def take(self, route: str) -> str | None:
        """The mode to apply to this request, if any."""
        with self._lock:
            fault = self._fault
            if fault is None or route == "preflight" and fault.routes is None:
                return None
            if fault.routes is not None and route not in fault.routes:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._fault = None
            return fault.mode
