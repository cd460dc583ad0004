"""The emulated tenant's passkey settings: the relying party ID and the origins it expects, as
Authsignal's portal sets them up ("Relying Party ID", "expected origins").

In the rules JSON: ``"passkey": {"rpId": "localhost", "expectedOrigins": ["http://localhost:8000"]}``.
Both are optional. The default RP ID is ``localhost``: browsers refuse an IP address as an RP ID,
so a test site on 127.0.0.1 must be opened as ``http://localhost:<port>``. Without
``expectedOrigins``, any origin on the RP ID's host or one of its subdomains is accepted, on any
port, over https (and over http for ``localhost`` and ``*.localhost``, which browsers count as
secure); with it, only the origins listed, exactly.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_KEYS = {"rpId", "expectedOrigins"}
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}")


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str = "localhost"
    expected_origins: tuple[str, ...] = ()  # empty: see accepts()

    @classmethod
    def from_mapping(cls, data: Any, where: str = "passkey") -> RelyingParty:
        """Build from the rules JSON's `passkey` object; ValueError names the first problem."""
        if not isinstance(data, Mapping):
            raise ValueError(f"{where} must be an object with rpId and expectedOrigins.")
        unknown = set(data) - _KEYS
        if unknown:
            raise ValueError(f"Unknown {where} keys: {sorted(unknown)}; allowed: {sorted(_KEYS)}.")
        rp_id = _rp_id(data.get("rpId", "localhost"), f"{where}.rpId")
        origins = data.get("expectedOrigins", [])
        if not isinstance(origins, list | tuple):
            raise ValueError(f"{where}.expectedOrigins must be a list of origins.")
        checked = tuple(_origin(value, f"{where}.expectedOrigins") for value in origins)
        return cls(rp_id, tuple(dict.fromkeys(checked)))

    def to_mapping(self) -> dict[str, Any]:
        return {"rpId": self.rp_id, "expectedOrigins": list(self.expected_origins)}

    def accepts(self, origin: str) -> bool:
        """Whether a passkey ceremony may come from this origin (the browser's clientDataJSON)."""
        if self.expected_origins:
            return origin in self.expected_origins
        parts = urlsplit(origin)
        host = parts.hostname or ""
        on_host = host == self.rp_id or host.endswith(f".{self.rp_id}")
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and (host == "localhost" or host.endswith(".localhost"))
        )
        return on_host and secure and f"{parts.scheme}://{parts.netloc}" == origin


def _rp_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _DOMAIN.fullmatch(value):
        raise ValueError(f"{where} must be a domain name, like localhost or example.com.")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return value
    raise ValueError(
        f"{where}: browsers refuse an IP address ({value}) as a relying party ID; use localhost "
        "and open the site at http://localhost:<port>."
    )


def _origin(value: Any, where: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or f"{parts.scheme}://{parts.netloc}" != value
    ):
        raise ValueError(f"{where}: {value!r} is not an origin, like http://localhost:8000.")
    return str(value)
