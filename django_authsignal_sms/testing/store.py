"""In-memory state: the store of users, authenticators, actions, tokens, challenges and the
outbox, with the clock, rate limits and token minting it uses.

Not thread-safe on its own: the server holds one lock around every request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Any

from .state import Action, ActionKey, Authenticator, Challenge, Decision, Message, Token, User

TOKEN_TTL = 600.0
CODE_TTL = 600.0
MAX_FAILED_ATTEMPTS = 5
DEFAULT_SCOPES = frozenset({"read:authenticators"})
ACCESS_SCOPES = frozenset(
    {"read:authenticators", "add:authenticators", "update:authenticators", "remove:authenticators"}
)


class Clock:
    """Wall time plus an offset tests move forward; every expiry and rate limit reads it."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("The emulator clock only moves forward.")
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


class SlidingWindow:
    """At most `limit` hits per `seconds` for each key, on the emulator clock."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, now: float) -> bool:
        """Record a hit and say whether it fits; a refused hit is not recorded."""
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


def mint(secret_key: str, claims: dict[str, Any]) -> str:
    """An HS256 JWT over `claims` plus a random `jti`, so no two tokens are equal (JWT-shaped
    like Authsignal's; the emulator also keeps a record of each one it issues)."""
    header = _encode({"alg": "HS256", "typ": "JWT"})
    payload = _encode({**claims, "jti": secrets.token_hex(16)})
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret_key.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _encode(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data, separators=(",", ":")).encode("utf-8"))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class Store:
    def __init__(self, clock: Clock, secret_key: str, tenant_id: str) -> None:
        self.clock = clock
        self.secret_key = secret_key
        self.tenant_id = tenant_id
        self.users: dict[str, User] = {}
        self.authenticators: dict[str, Authenticator] = {}
        self.actions: dict[ActionKey, Action] = {}
        self.tokens: dict[str, Token] = {}
        self.challenges: dict[tuple[ActionKey, str], Challenge] = {}
        self.outbox: list[Message] = []
        self.sends = SlidingWindow(limit=6, seconds=600)
        self.verifies = SlidingWindow(limit=10, seconds=300)

    # Users and authenticators

    def user(self, user_id: str) -> User:
        """The user record, created on first use."""
        return self.users.setdefault(user_id, User(user_id))

    def delete_user(self, user_id: str) -> None:
        self.users.pop(user_id, None)
        for authenticator in self.authenticators_of(user_id, verified_only=False):
            del self.authenticators[authenticator.authenticator_id]
        self.actions = {k: v for k, v in self.actions.items() if k.user_id != user_id}
        self.tokens = {k: v for k, v in self.tokens.items() if v.key.user_id != user_id}
        self.challenges = {k: v for k, v in self.challenges.items() if k[0].user_id != user_id}

    def authenticators_of(self, user_id: str, *, verified_only: bool = True) -> list[Authenticator]:
        return [
            a
            for a in self.authenticators.values()
            if a.user_id == user_id and (a.verified or not verified_only)
        ]

    def sms_authenticator(self, user_id: str) -> Authenticator | None:
        found = [a for a in self.authenticators_of(user_id) if a.verification_method == "SMS"]
        return found[0] if found else None

    def add_authenticator(
        self,
        user_id: str,
        method: str,
        *,
        phone_number: str | None = None,
        email: str | None = None,
    ) -> Authenticator:
        """Add an unverified authenticator; `verify_authenticator` completes it."""
        authenticator = Authenticator(
            authenticator_id=str(uuid.uuid4()),
            user_id=user_id,
            verification_method=method,
            created_at=self.clock.now(),
            phone_number=phone_number,
            email=email,
        )
        self.authenticators[authenticator.authenticator_id] = authenticator
        return authenticator

    def verify_authenticator(
        self, authenticator: Authenticator, *, is_default: bool = False
    ) -> None:
        """Mark verified; it replaces the user's other authenticators of the same method."""
        for other in self.authenticators_of(authenticator.user_id, verified_only=False):
            if other is not authenticator and (
                other.verification_method == authenticator.verification_method
            ):
                del self.authenticators[other.authenticator_id]
        now = self.clock.now()
        authenticator.verified_at = authenticator.last_verified_at = now
        others = self.authenticators_of(authenticator.user_id)
        if is_default:
            for other in others:
                other.is_default = False
        authenticator.is_default = is_default or not any(a.is_default for a in others)
        user = self.user(authenticator.user_id)
        if authenticator.verification_method == "SMS":
            user.phone_number, user.phone_number_verified = authenticator.phone_number, True
        else:
            user.email, user.email_verified = authenticator.email, True

    def remove_authenticator(self, user_id: str, authenticator_id: str) -> bool:
        authenticator = self.authenticators.get(authenticator_id)
        if authenticator is None or authenticator.user_id != user_id:
            return False
        del self.authenticators[authenticator_id]
        return True

    # Actions and tokens

    def create_action(self, key: ActionKey, decision: Decision) -> Action:
        now = self.clock.now()
        action = Action(key, decision.state, now, now, decision.rule_ids)
        self.actions[key] = action
        return action

    def set_state(self, action: Action, state: str) -> None:
        action.state = state
        action.state_updated_at = self.clock.now()

    def issue_token(self, key: ActionKey, scopes: frozenset[str]) -> Token:
        now = self.clock.now()
        claims = {
            "sub": key.user_id,
            "actionCode": key.action,
            "idempotencyKey": key.idempotency_key,
            "tenantId": self.tenant_id,
            "scope": " ".join(sorted(scopes)),
            "iat": int(now),
            "exp": int(now + TOKEN_TTL),
        }
        token = Token(mint(self.secret_key, claims), key, scopes, now + TOKEN_TTL)
        self.tokens[token.value] = token
        return token

    def resolve_token(self, value: str) -> Token | None:
        """The live token record, or None when unknown or expired."""
        token = self.tokens.get(value)
        if token is None or token.expires_at <= self.clock.now():
            return None
        return token

    # Challenges and the outbox

    def open_challenge(
        self, key: ActionKey, channel: str, to: str, authenticator_id: str | None = None
    ) -> Challenge:
        """Send a fresh code; it replaces (kills) the previous one for this action and channel."""
        now = self.clock.now()
        challenge = Challenge(
            challenge_id=str(uuid.uuid4()),
            key=key,
            channel=channel,
            code=f"{secrets.randbelow(10**6):06d}",
            expires_at=now + CODE_TTL,
            authenticator_id=authenticator_id,
        )
        self.challenges[(key, channel)] = challenge
        message_id = str(uuid.uuid4())
        message = Message(
            message_id,
            channel,
            to,
            challenge.code,
            key,
            challenge.challenge_id,
            now,
            now + CODE_TTL,
        )
        self.outbox.append(message)
        return challenge

    def latest_challenge(self, key: ActionKey, channel: str) -> Challenge | None:
        return self.challenges.get((key, channel))
