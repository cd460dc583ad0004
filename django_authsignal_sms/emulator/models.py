"""The records the emulator keeps in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class User:
    user_id: str
    email: str | None = None
    email_verified: bool = False
    phone_number: str | None = None
    phone_number_verified: bool = False
    username: str | None = None
    display_name: str | None = None
    custom: dict[str, Any] | None = None

    def identities(self) -> list[str]:
        """The values that rules may name this user by."""
        values = (self.user_id, self.username, self.email, self.phone_number)
        return [value for value in values if value]


@dataclass
class Authenticator:
    authenticator_id: str
    user_id: str
    verification_method: str
    created_at: float
    phone_number: str | None = None
    email: str | None = None
    verified_at: float | None = None
    last_verified_at: float | None = None
    is_default: bool = False

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


@dataclass(frozen=True)
class ActionKey:
    user_id: str
    action: str
    idempotency_key: str


@dataclass
class Action:
    key: ActionKey
    state: str
    created_at: float
    state_updated_at: float
    rule_ids: tuple[str, ...]
    verification_method: str | None = None


@dataclass(frozen=True)
class Token:
    value: str
    key: ActionKey
    scopes: frozenset[str]
    expires_at: float


@dataclass
class Challenge:
    """A code sent for one action on one channel; enrollment ones carry their authenticator."""

    challenge_id: str
    key: ActionKey
    channel: str
    code: str
    expires_at: float
    authenticator_id: str | None = None
    failed_attempts: int = 0
    spent: bool = False


@dataclass(frozen=True)
class Message:
    message_id: str
    channel: str
    to: str
    code: str
    key: ActionKey
    challenge_id: str
    sent_at: float
    expires_at: float


@dataclass
class Counters:
    connections: int = 0
    api_connections: int = 0
    requests: dict[str, int] = field(default_factory=dict)
