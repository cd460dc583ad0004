"""The emulator's own routes under /_emulator/ (no auth), the guard that keeps them to this
machine, and the fault switch they (and EmulatorServer.set_fault) control.

The /_emulator/ routes list every code sent and can reset or reprogram the emulator. Binding to
loopback keeps other machines out, but not a web page open in the developer's browser: a
DNS-rebinding page reaches 127.0.0.1 under its own name (its Host header says so), and any page
can send blind cross-site POSTs (its Origin header says so). So a /_emulator/ request needs a
loopback Host, and an Origin, when it has one, must be loopback too. The /v1 routes are not
guarded: the browser SDK calls /v1/client/* from the site's origin by design.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .loopback import is_loopback_authority
from .state import ApiError, Reply, Request, invalid_request, iso
from .tenant import Rules

if TYPE_CHECKING:
    from .dispatch import RouteSpec
    from .server import EmulatorServer

ADMIN_PREFIX = "/_emulator"
# Fault modes that replace the route entirely; the others alter the route's real reply.
BEFORE_ROUTE = ("timeout", "refuse", "status:500", "status:503", "status:401", "status:429", "html")
AFTER_ROUTE = ("missing_fields", "unknown_state", "charset")
FAULT_MODES = BEFORE_ROUTE + AFTER_ROUTE


# Routes


def outbox(emulator: EmulatorServer, request: Request) -> Reply:
    return Reply(emulator.outbox(to=request.query.get("to"), user_id=request.query.get("userId")))


def get_clock(emulator: EmulatorServer, request: Request) -> Reply:
    return Reply({"now": iso(emulator.clock.now()), "offset": emulator.clock.offset})


def advance_clock(emulator: EmulatorServer, request: Request) -> Reply:
    seconds = request.body.get("advance")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise invalid_request('Send {"advance": seconds}, a number >= 0.')
    emulator.advance_clock(seconds)
    return get_clock(emulator, request)


def get_rules(emulator: EmulatorServer, request: Request) -> Reply:
    return Reply(emulator.rules.to_mapping())


def put_rules(emulator: EmulatorServer, request: Request) -> Reply:
    try:
        emulator.rules = Rules.from_mapping(request.body)
    except ValueError as error:
        raise invalid_request(str(error)) from error
    return get_rules(emulator, request)


def get_variants(emulator: EmulatorServer, request: Request) -> Reply:
    return Reply(emulator.variants)


def put_variants(emulator: EmulatorServer, request: Request) -> Reply:
    """Change the variants named in the body; the others keep their value."""
    try:
        emulator.set_variants(request.body)
    except ValueError as error:
        raise invalid_request(str(error)) from error
    return get_variants(emulator, request)


def reset(emulator: EmulatorServer, request: Request) -> Reply:
    emulator.reset()
    return Reply({"reset": True})


def reset_limits(emulator: EmulatorServer, request: Request) -> Reply:
    emulator.reset_limits()
    return Reply({"limitsReset": True})


def stats(emulator: EmulatorServer, request: Request) -> Reply:
    return Reply(emulator.stats())


def get_faults(emulator: EmulatorServer, request: Request) -> Reply:
    fault = emulator.faults.current
    return Reply({"fault": None if fault is None else fault.to_mapping()})


def set_faults(emulator: EmulatorServer, request: Request) -> Reply:
    try:
        emulator.faults.set(Fault.from_mapping(request.body, emulator.route_names))
    except ValueError as error:
        raise invalid_request(str(error)) from error
    return get_faults(emulator, request)


def clear_faults(emulator: EmulatorServer, request: Request) -> Reply:
    emulator.faults.set(None)
    return get_faults(emulator, request)


ROUTES: tuple[RouteSpec, ...] = (
    ("admin_outbox", "GET", "/_emulator/outbox", "none", outbox),
    ("admin_clock", "GET", "/_emulator/clock", "none", get_clock),
    ("admin_clock_advance", "POST", "/_emulator/clock", "none", advance_clock),
    ("admin_rules", "GET", "/_emulator/rules", "none", get_rules),
    ("admin_rules_put", "PUT", "/_emulator/rules", "none", put_rules),
    ("admin_variants", "GET", "/_emulator/variants", "none", get_variants),
    ("admin_variants_put", "PUT", "/_emulator/variants", "none", put_variants),
    ("admin_reset", "POST", "/_emulator/reset", "none", reset),
    ("admin_limits_reset", "DELETE", "/_emulator/limits", "none", reset_limits),
    ("admin_stats", "GET", "/_emulator/stats", "none", stats),
    ("admin_faults", "GET", "/_emulator/faults", "none", get_faults),
    ("admin_faults_set", "POST", "/_emulator/faults", "none", set_faults),
    ("admin_faults_clear", "DELETE", "/_emulator/faults", "none", clear_faults),
)


# The guard


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def check_admin_request(netloc: str, headers: Mapping[str, str]) -> None:
    """Raise a 403 `forbidden` unless this /_emulator/ request comes from this machine.

    `netloc` is the request target's authority (absolute-form targets), `headers` have
    lower-case names.
    """
    host = headers.get("host")
    addressed = [host or "", netloc] if netloc else [host or ""]
    if not all(is_loopback_authority(authority) for authority in addressed):
        raise forbidden(
            f"The /_emulator/ pages answer only requests addressed to a loopback address "
            f"(127.0.0.1, localhost, [::1]), not Host {host!r}."
        )
    origin = headers.get("origin")
    if origin is not None and not _is_loopback_origin(origin):
        raise forbidden(
            f"The /_emulator/ pages refuse requests sent by a web page from {origin!r}: "
            "only pages served from a loopback address may call them."
        )


def _is_loopback_origin(origin: str) -> bool:
    """An Origin header is scheme://host[:port]; "null" (sandboxed or file pages) is not one."""
    try:
        url = urlsplit(origin)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and is_loopback_authority(url.netloc)


def forbidden(description: str) -> ApiError:
    return ApiError(403, "forbidden", description)


# The fault switch


@dataclass
class Fault:
    mode: str
    routes: frozenset[str] | None = None  # None: every API route except the CORS preflight
    remaining: int | None = None  # None: until cleared

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], known_routes: Collection[str]) -> Fault:
        """Parse `{"mode", "routes"?, "count"?}`; raise ValueError naming the problem."""
        mode = data.get("mode")
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {', '.join(FAULT_MODES)}.")
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
