"""The route table: method, path template, auth kind and handler for every endpoint."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from . import actions_api, admin_api, client_api, users_api
from .engine import Emulator
from .errors import ApiError
from .wire import Reply, Request

Handler = Callable[[Emulator, Request], Reply]
Auth = Literal["basic", "bearer", "none"]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    pattern: re.Pattern[str]
    auth: Auth
    handler: Handler

    @property
    def is_api(self) -> bool:
        """API routes are counted in stats and can be faulted; /_emulator/ ones are not."""
        return self.auth != "none"


def _route(name: str, method: str, template: str, auth: Auth, handler: Handler) -> Route:
    pattern = re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template))
    return Route(name, method, pattern, auth, handler)


_USER = "/v1/users/{userId}"
_ACTION = _USER + "/actions/{action}/{idempotencyKey}"
ROUTES = (
    _route("track", "POST", _USER + "/actions/{action}", "basic", actions_api.track),
    _route("get_action", "GET", _ACTION, "basic", actions_api.get_action),
    _route("update_action", "PATCH", _ACTION, "basic", actions_api.update_action),
    _route("validate", "POST", "/v1/validate", "basic", actions_api.validate),
    _route("get_user", "GET", _USER, "basic", users_api.get_user),
    _route("update_user", "PATCH", _USER, "basic", users_api.update_user),
    _route("delete_user", "DELETE", _USER, "basic", users_api.delete_user),
    _route(
        "get_authenticators",
        "GET",
        _USER + "/authenticators",
        "basic",
        users_api.list_authenticators,
    ),
    _route(
        "enroll_authenticator",
        "POST",
        _USER + "/authenticators",
        "basic",
        users_api.enroll_authenticator,
    ),
    _route(
        "delete_authenticator",
        "DELETE",
        _USER + "/authenticators/{authenticatorId}",
        "basic",
        users_api.delete_authenticator,
    ),
    _route("sms_challenge", "POST", "/v1/client/challenge/sms", "bearer", client_api.sms_challenge),
    _route(
        "whatsapp_challenge",
        "POST",
        "/v1/client/challenge/whatsapp",
        "bearer",
        client_api.whatsapp_challenge,
    ),
    _route(
        "sms_enroll", "POST", "/v1/client/user-authenticators/sms", "bearer", client_api.sms_enroll
    ),
    _route("sms_verify", "POST", "/v1/client/verify/sms", "bearer", client_api.sms_verify),
    _route(
        "whatsapp_verify",
        "POST",
        "/v1/client/verify/whatsapp",
        "bearer",
        client_api.whatsapp_verify,
    ),
    _route("admin_outbox", "GET", "/_emulator/outbox", "none", admin_api.outbox),
    _route("admin_clock", "GET", "/_emulator/clock", "none", admin_api.get_clock),
    _route("admin_clock_advance", "POST", "/_emulator/clock", "none", admin_api.advance_clock),
    _route("admin_rules", "GET", "/_emulator/rules", "none", admin_api.get_rules),
    _route("admin_rules_put", "PUT", "/_emulator/rules", "none", admin_api.put_rules),
    _route("admin_variants", "GET", "/_emulator/variants", "none", admin_api.get_variants),
    _route("admin_variants_put", "PUT", "/_emulator/variants", "none", admin_api.put_variants),
    _route("admin_reset", "POST", "/_emulator/reset", "none", admin_api.reset),
    _route("admin_stats", "GET", "/_emulator/stats", "none", admin_api.stats),
    _route("admin_faults", "GET", "/_emulator/faults", "none", admin_api.get_faults),
    _route("admin_faults_set", "POST", "/_emulator/faults", "none", admin_api.set_faults),
    _route("admin_faults_clear", "DELETE", "/_emulator/faults", "none", admin_api.clear_faults),
    _route("admin_ui", "GET", "/_emulator/ui", "none", admin_api.hosted_ui),
)
CLIENT_PREFIX = "/v1/client/"
API_ROUTE_NAMES = (*(route.name for route in ROUTES if route.is_api), "preflight")


def is_known(path: str) -> bool:
    """Whether any route has this path, whatever its method."""
    return any(route.pattern.fullmatch(path) for route in ROUTES)


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for this request and its unquoted path parameters; `path` must be known.

    A known path with another method is a 405 `method_not_allowed`.
    """
    allowed: list[str] = []
    for route in ROUTES:
        match = route.pattern.fullmatch(path)
        if match is None:
            continue
        if route.method == method:
            return route, {key: unquote(value) for key, value in match.groupdict().items()}
        allowed.append(route.method)
    raise ApiError(405, "method_not_allowed", f"Use {' or '.join(allowed)} on {path}.")
