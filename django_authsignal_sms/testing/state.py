"""The emulator's records, and the vocabulary every route shares: Request, Reply, ApiError."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

UNAUTHORIZED_DESCRIPTION = (
    "The request is unauthorized. "
    "Check that your API key and region base URL are correctly configured."
)
ACTION_CODE = re.compile(r"[a-zA-Z0-9_-]{1,64}")
TRACK_STATES = ("ALLOW", "BLOCK", "CHALLENGE_REQUIRED", "REVIEW_REQUIRED")
ALL_STATES = (
    *TRACK_STATES,
    "CHALLENGE_SUCCEEDED",
    "CHALLENGE_FAILED",
    "REVIEW_SUCCEEDED",
    "REVIEW_FAILED",
)


def iso(timestamp: float) -> str:
    """Format like Authsignal: UTC, milliseconds, a trailing Z."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_track_state(value: Any, where: str) -> str:
    """A state the tenant's rules may give a track; ValueError names the problem."""
    if value not in TRACK_STATES:
        raise ValueError(f"{where}: {value!r} is not one of {', '.join(TRACK_STATES)}.")
    return str(value)


# Records


@dataclass(frozen=True)
class Decision:
    """What the tenant's rules say about one track."""

    state: str
    rule_ids: tuple[str, ...]


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
class PasskeyCredential:
    """What a passkey's registration left: the public key its signatures are checked with."""

    credential_id: str  # base64url, as the browser names it
    public_key: bytes  # COSE
    sign_count: int
    aaguid: str
    user_name: str
    display_name: str
    backed_up: bool = False
    multi_device: bool = False
    attachment: str | None = None  # "platform" or "cross-platform", as the browser said

    def to_json(self, verified_at: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "credentialId": self.credential_id,
            "name": self.display_name,
            "aaguid": self.aaguid,
            "credentialBackedUp": self.backed_up,
            "credentialDeviceType": "multiDevice" if self.multi_device else "singleDevice",
            "verifiedAt": verified_at,
        }
        if self.attachment is not None:
            body["authenticatorAttachment"] = self.attachment
        return body


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
    passkey: PasskeyCredential | None = None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def address(self) -> str | None:
        """Where its codes go: the phone number, or the email address."""
        return self.phone_number or self.email

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "userId": self.user_id,
            "userAuthenticatorId": self.authenticator_id,
            "verificationMethod": self.verification_method,
            "createdAt": iso(self.created_at),
            "isDefault": self.is_default,
        }
        optional = {
            "verifiedAt": None if self.verified_at is None else iso(self.verified_at),
            "lastVerifiedAt": None if self.last_verified_at is None else iso(self.last_verified_at),
            "phoneNumber": self.phone_number,
            "email": self.email,
        }
        body |= {key: value for key, value in optional.items() if value is not None}
        if self.passkey is not None and self.verified_at is not None:
            body["username"] = self.passkey.user_name
            body["displayName"] = self.passkey.display_name
            body["webauthnCredential"] = self.passkey.to_json(iso(self.verified_at))
        return body


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
    device_id: str | None = None  # the track's deviceId
    locale: str | None = None  # the track's locale: the language of Authsignal's messages


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
    locale: str | None = None  # the action's


@dataclass
class Ceremony:
    """A WebAuthn challenge handed out with passkey options, answered once by the browser.

    `key` is the token's action; None for a sign-in without a token, which creates an action
    with the code `action` for whoever the passkey belongs to.
    """

    challenge_id: str
    kind: str  # "registration" or "authentication"
    challenge: bytes
    expires_at: float
    key: ActionKey | None
    action: str | None = None
    user_name: str | None = None  # registration: the names the new passkey gets
    display_name: str | None = None
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
    locale: str | None = None  # the language Authsignal would write it in

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "channel": self.channel,
            "to": self.to,
            "code": self.code,
            "userId": self.key.user_id,
            "action": self.key.action,
            "idempotencyKey": self.key.idempotency_key,
            "challengeId": self.challenge_id,
            "sentAt": iso(self.sent_at),
            "expiresAt": iso(self.expires_at),
            "locale": self.locale,
        }


@dataclass
class Counters:
    connections: int = 0
    api_connections: int = 0
    requests: dict[str, int] = field(default_factory=dict)


# What a route receives and returns, free of any HTTP server detail


class ApiError(Exception):
    """Raised by a route; dispatch turns it into `{error, errorCode, errorDescription}`."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def envelope(self) -> dict[str, str]:
        return envelope(self.code, self.description)


def envelope(code: str, description: str) -> dict[str, str]:
    return {"error": code, "errorCode": code, "errorDescription": description}


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", UNAUTHORIZED_DESCRIPTION)


def expired_token() -> ApiError:
    return ApiError(401, "expired_token", "The token is unknown or has expired.")


def add_scope_required() -> ApiError:
    return ApiError(
        403,
        "unauthorized",
        "The user already has an authenticator: adding another needs a token with the "
        "add:authenticators scope (track with scope, or use the accessToken from a verify).",
    )


def invalid_request(description: str) -> ApiError:
    return ApiError(400, "invalid_request", description)


def not_found(description: str) -> ApiError:
    return ApiError(404, "not_found", description)


def too_many_requests(description: str) -> ApiError:
    return ApiError(429, "too_many_requests", description)


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

    def mapping(self, name: str) -> dict[str, Any] | None:
        """An object body field; absent or null give None, another type is a 400."""
        value = self.body.get(name)
        if value is None or isinstance(value, dict):
            return value
        raise invalid_request(f"{name} must be an object.")

    @property
    def bearer(self) -> Token:
        assert self.token is not None, "bearer routes always carry a token"
        return self.token


@dataclass(frozen=True)
class Reply:
    body: Any
    status: int = 200
