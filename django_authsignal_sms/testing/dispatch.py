"""Turn one raw HTTP request into an Outcome: the route table, auth, the admin guard, fault
injection, CORS and JSON encoding."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from urllib.parse import parse_qsl, unquote, urlsplit

from . import admin, client_api, server_api
from .admin import BEFORE_ROUTE, check_admin_request, is_admin_path
from .state import (
    ApiError,
    Reply,
    Request,
    Token,
    envelope,
    expired_token,
    invalid_request,
    unauthorized,
)

if TYPE_CHECKING:
    from .server import EmulatorServer

logger = logging.getLogger(__name__)

Handler: TypeAlias = "Callable[[EmulatorServer, Request], Reply]"
Auth = Literal["basic", "bearer", "tenant_or_bearer", "none"]
# name (for stats and faults), method, path template, auth, handler
RouteSpec: TypeAlias = "tuple[str, str, str, Auth, Handler]"

JSON = "application/json"
CLIENT_PREFIX = "/v1/client/"
HTML_PAGE = b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>"
FAULT_REPLIES = {
    500: envelope("internal_error", "Injected fault: internal server error."),
    503: envelope("service_unavailable", "Injected fault: service unavailable."),
    401: unauthorized().envelope(),
    429: envelope("too_many_requests", "Injected fault: too many requests."),
}
# What the API gateway in front of Authsignal answers for a path it does not know (by the
# unknown_path variant): no `error` key, so the browser SDK takes it for a success.
GATEWAY_REPLIES = {
    "missing_token": (403, {"message": "Missing Authentication Token"}),
    "not_found": (404, {"message": "Not Found"}),
}
PREFLIGHT_HEADERS = (
    ("Access-Control-Allow-Methods", "POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
    ("Access-Control-Max-Age", "600"),
)


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


ROUTES = tuple(_route(*spec) for spec in (*server_api.ROUTES, *client_api.ROUTES, *admin.ROUTES))
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


@dataclass(frozen=True)
class Outcome:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()
    # "drop": close the connection without answering; "hang": never answer.
    disposition: Literal["send", "drop", "hang"] = "send"


def dispatch(
    emulator: EmulatorServer, method: str, target: str, headers: Mapping[str, str], raw_body: bytes
) -> Outcome:
    """`headers` has lower-case names."""
    split = urlsplit(target)
    path = split.path.rstrip("/") or "/"
    origin = headers.get("origin")
    if is_admin_path(path):
        try:
            check_admin_request(split.netloc, headers)
        except ApiError as error:
            return _json(error.status, error.envelope())
    if not is_known(path):
        return _unknown_path(emulator, method, _cors(origin))
    cors = _cors(origin) if path.startswith(CLIENT_PREFIX) else ()
    if method == "OPTIONS":
        return _preflight(emulator, path, cors)
    try:
        route, params = resolve(method, path)
    except ApiError as error:
        return _json(error.status, error.envelope(), cors)
    mode = None
    if route.is_api:
        emulator.count_request(route.name)
        mode = emulator.faults.take(route.name)
    if mode in BEFORE_ROUTE:
        return _fault(str(mode), cors)
    query = dict(parse_qsl(split.query))
    status, body = _run(emulator, route, params, query, headers, raw_body)
    return _json(status, _tamper(mode, body), cors, charset=mode == "charset")


def _run(
    emulator: EmulatorServer,
    route: Route,
    params: dict[str, str],
    query: dict[str, str],
    headers: Mapping[str, str],
    raw_body: bytes,
) -> tuple[int, Any]:
    try:
        with emulator.lock:
            token = _authenticate(emulator, route, headers.get("authorization", ""))
            reply = route.handler(emulator, Request(params, query, _parse(raw_body), token))
        return reply.status, reply.body
    except ApiError as error:
        return error.status, error.envelope()
    except Exception:
        logger.exception("Emulator route %s failed", route.name)
        return 500, envelope("internal_error", "The emulator failed on this request; see its log.")


def _authenticate(emulator: EmulatorServer, route: Route, header: str) -> Token | None:
    scheme, _, credentials = header.strip().partition(" ")
    if route.auth == "basic":
        if scheme.lower() != "basic" or not _secret_matches(credentials, emulator.secret_key):
            raise unauthorized()
        return None
    if route.auth == "tenant_or_bearer" and scheme.lower() == "basic":
        # A client call without a token (a passkey sign-in): the browser SDK sends its tenant id.
        if not _tenant_matches(credentials, emulator.tenant_id):
            raise unauthorized()
        return None
    if route.auth in ("bearer", "tenant_or_bearer"):
        if scheme.lower() != "bearer" or not credentials.strip():
            raise unauthorized()
        token = emulator.store.resolve_token(credentials.strip())
        if token is None:
            raise expired_token()
        return token
    return None


def _tenant_matches(credentials: str, tenant_id: str) -> bool:
    """``base64(urlencode(tenantId))`` from the browser SDK, or ``tenantId:`` from a REST client."""
    try:
        decoded = unquote(base64.b64decode(credentials.strip(), validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(decoded.partition(":")[0].encode(), tenant_id.encode())


def _secret_matches(credentials: str, secret_key: str) -> bool:
    """Basic auth user is the secret key; the password (normally empty) is ignored."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, colon, _password = decoded.partition(":")
    return bool(colon) and hmac.compare_digest(user.encode("utf-8"), secret_key.encode("utf-8"))


def _parse(raw_body: bytes) -> dict[str, Any]:
    if not raw_body.strip():
        return {}
    try:
        data = json.loads(raw_body)
    except ValueError as error:
        raise invalid_request(f"The request body is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise invalid_request("The request body must be a JSON object.")
    return data


def _tamper(mode: str | None, body: Any) -> Any:
    if not isinstance(body, dict) or "error" in body:
        return body
    if mode == "missing_fields":
        return {key: value for key, value in body.items() if key != "state"}
    if mode == "unknown_state" and "state" in body:
        return {**body, "state": "SOMETHING_NEW"}
    return body


def _fault(mode: str, cors: tuple[tuple[str, str], ...]) -> Outcome:
    if mode == "timeout":
        return Outcome(0, disposition="hang")
    if mode == "refuse":
        return Outcome(0, disposition="drop")
    if mode == "html":
        return Outcome(200, HTML_PAGE, "text/html", cors)
    status = int(mode.partition(":")[2])
    return _json(status, FAULT_REPLIES[status], cors)


def _preflight(emulator: EmulatorServer, path: str, cors: tuple[tuple[str, str], ...]) -> Outcome:
    if not path.startswith(CLIENT_PREFIX):
        return _json(404, envelope("not_found", "CORS preflight is answered on /v1/client/ only."))
    emulator.count_request("preflight")
    mode = emulator.faults.take("preflight")
    if mode in BEFORE_ROUTE:
        return _fault(str(mode), cors)
    return Outcome(204, headers=cors + PREFLIGHT_HEADERS)


def _unknown_path(
    emulator: EmulatorServer, method: str, cors: tuple[tuple[str, str], ...]
) -> Outcome:
    """The gateway's answer, with CORS headers so a browser can read it (and a preflight 204)."""
    if method == "OPTIONS":
        return Outcome(204, headers=cors + PREFLIGHT_HEADERS)
    status, body = GATEWAY_REPLIES[emulator.variants["unknown_path"]]
    return _json(status, body, cors)


def _cors(origin: str | None) -> tuple[tuple[str, str], ...]:
    if not origin:
        return (("Access-Control-Allow-Origin", "*"),)
    return (("Access-Control-Allow-Origin", origin), ("Vary", "Origin"))


def _json(
    status: int, body: Any, cors: tuple[tuple[str, str], ...] = (), *, charset: bool = False
) -> Outcome:
    content_type = f"{JSON}; charset=utf-8" if charset else JSON
    return Outcome(status, json.dumps(body).encode("utf-8"), content_type, cors)
