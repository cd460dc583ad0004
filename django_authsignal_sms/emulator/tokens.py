"""JWT-shaped tokens, like the ones Authsignal issues (the emulator also keeps a record)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any


def mint(secret_key: str, claims: dict[str, Any]) -> str:
    """An HS256 JWT over `claims` plus a random `jti`, so no two tokens are equal."""
    header = _encode({"alg": "HS256", "typ": "JWT"})
    payload = _encode({**claims, "jti": secrets.token_hex(16)})
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret_key.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _encode(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data, separators=(",", ":")).encode("utf-8"))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
