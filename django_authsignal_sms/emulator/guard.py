"""Who may use the /_emulator/ pages: requests addressed to this machine, not sent by a web page.

Those pages have no auth: they list every code sent and can reset or reprogram the emulator.
Binding to loopback keeps other machines out, but not a web page open in the developer's
browser: a DNS-rebinding page reaches 127.0.0.1 under its own name (its Host header says so),
and any page can send blind cross-site POSTs (its Origin header says so). So a /_emulator/
request needs a loopback Host, and an Origin, when it has one, must be loopback too. The /v1
routes are not guarded: the browser SDK calls /v1/client/* from the site's origin by design.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from .errors import ApiError

ADMIN_PREFIX = "/_emulator"
# host[:port], host being a bracketed IPv6 literal or anything without ":" and brackets.
AUTHORITY = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::\d{1,5})?")
DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


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


def is_loopback_authority(authority: str) -> bool:
    """A loopback literal with an optional port: 127.0.0.0/8, localhost or [::1]."""
    match = AUTHORITY.fullmatch(authority)
    if match is None:
        return False
    host = match["host"]
    if host.lower() == "localhost":
        return True
    try:
        if host.startswith("["):
            return ipaddress.IPv6Address(host[1:-1]).is_loopback
        return bool(DOTTED_QUAD.fullmatch(host)) and ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


def _is_loopback_origin(origin: str) -> bool:
    """An Origin header is scheme://host[:port]; "null" (sandboxed or file pages) is not one."""
    try:
        url = urlsplit(origin)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and is_loopback_authority(url.netloc)


def forbidden(description: str) -> ApiError:
    return ApiError(403, "forbidden", description)
