"""What a route receives and returns, free of any HTTP server detail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid_request
from .models import Token


@dataclass(frozen=True)
class Request:
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)
    token: Token | None = None

    def text(self, name: str) -> str | None:
        """A string body field; absent, null or "" give None, another type is a 400."""
        value = self.body.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise invalid_request(f"{name} must be a string.")
        return value

    def flag(self, name: str) -> bool | None:
        value = self.body.get(name)
        if value is None or isinstance(value, bool):
            return value
        raise invalid_request(f"{name} must be true or false.")

    @property
    def bearer(self) -> Token:
        assert self.token is not None, "bearer routes always carry a token"
        return self.token


@dataclass(frozen=True)
class Reply:
    body: Any
    status: int = 200
