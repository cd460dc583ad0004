"""In-memory state: the store of users, authenticators, actions, tokens, challenges (codes and
passkey ceremonies) and the outbox, and the token minting it uses (the clock and rate limits are
in ``clock``).

Every lookup goes through an index keyed by what is looked up (authenticators by user, tokens by
value, actions and challenges by key, the outbox by recipient, user and challenge), and what the
emulator no longer needs is dropped as the clock passes it: tokens and challenges at their
expiry, actions ``ACTION_RETENTION`` after their last use, messages ``OUTBOX_RETENTION`` after
they were sent, rate-limit windows once empty. So the cost of a call, and the memory held, do
not grow with the number of logins served. Users and their authenticators are kept until
deleted or reset, as a tenant keeps them.

Not thread-safe on its own: the server holds one lock around every request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections import deque
from typing import Any

from .clock import Clock, SlidingWindow
from .outbox import Outbox
from .state import Action, ActionKey, Authenticator, Ceremony, Challenge, Decision, Message, Token
from .users import Directory

TOKEN_TTL = 600.0
CODE_TTL = 600.0
# An action is kept this long after it was last used (tracked, given a token, changed state); it
# outlives every token issued for it (TOKEN_TTL is shorter), as validate reaches it through one.
ACTION_RETENTION = 3600.0
CHANNELS = ("SMS", "WHATSAPP", "EMAIL_OTP")
# The method of the authenticator a channel's codes go to (a WhatsApp code goes to the SMS
# authenticator's number), and the outbox's name for a channel when it is not the method's.
CODE_AUTHENTICATORS = {"SMS": "SMS", "WHATSAPP": "SMS", "EMAIL_OTP": "EMAIL_OTP"}
OUTBOX_CHANNELS = {"EMAIL_OTP": "EMAIL"}
# A passkey challenge (WebAuthn options) can be answered this long.
CEREMONY_TTL = 300.0
MAX_FAILED_ATTEMPTS = 5
DEFAULT_SCOPES = frozenset({"read:authenticators"})
ACCESS_SCOPES = frozenset(
    {"read:authenticators", "add:authenticators", "update:authenticators", "remove:authenticators"}
)


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


class Store(Directory):
    def __init__(self, clock: Clock, secret_key: str, tenant_id: str) -> None:
        super().__init__(clock)
        self.secret_key = secret_key
        self.tenant_id = tenant_id
        self.actions: dict[ActionKey, Action] = {}
        self.tokens: dict[str, Token] = {}
        self.challenges: dict[tuple[ActionKey, str], Challenge] = {}
        self.outbox = Outbox()
        self.sends = SlidingWindow(limit=6, seconds=600)
        self.verifies = SlidingWindow(limit=10, seconds=300)
        # Email OTP has limits of its own (Authsignal docs: 12 sends per 10 minutes).
        self.email_sends = SlidingWindow(limit=12, seconds=600)
        self.email_verifies = SlidingWindow(limit=10, seconds=300)
        self.ceremonies: dict[str, Ceremony] = {}
        # Indexes: a user's actions, an action's tokens.
        self._actions_of: dict[str, dict[ActionKey, None]] = {}
        self._tokens_of: dict[ActionKey, set[str]] = {}
        # What to drop when, in the order it falls due (TTLs are fixed, the clock moves forward).
        self._action_until: dict[ActionKey, float] = {}
        self._due_actions: deque[tuple[float, ActionKey]] = deque()
        self._due_tokens: deque[tuple[float, str]] = deque()
        self._due_challenges: deque[tuple[float, tuple[ActionKey, str], Challenge]] = deque()
        self._due_ceremonies: deque[tuple[float, str]] = deque()

    def delete_user(self, user_id: str) -> None:
        """The user, their authenticators, actions, tokens and codes (not the outbox)."""
        super().delete_user(user_id)
        for key in list(self._actions_of.get(user_id, ())):
            self._drop_action(key)

    # Actions and tokens

    def action(self, key: ActionKey) -> Action | None:
        self.sweep()
        self.examined += 1
        return self.actions.get(key)

    def create_action(
        self,
        key: ActionKey,
        decision: Decision,
        device_id: str | None = None,
        locale: str | None = None,
    ) -> Action:
        self.sweep()
        now = self.clock.now()
        action = Action(
            key, decision.state, now, now, decision.rule_ids, device_id=device_id, locale=locale
        )
        self.actions[key] = action
        self._actions_of.setdefault(key.user_id, {})[key] = None
        self._keep(key, now)
        return action

    def set_state(self, action: Action, state: str) -> None:
        action.state = state
        action.state_updated_at = self.clock.now()
        self._keep(action.key, action.state_updated_at)
        if state == "CHALLENGE_SUCCEEDED" and action.device_id is not None:
            # A challenge passed on this device: it is known from now on, whatever the
            # known_device variant (after_track already knew it from the track).
            self.remember_device(action.key.user_id, action.device_id)

    def issue_token(self, key: ActionKey, scopes: frozenset[str]) -> Token:
        self.sweep()
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
        self._tokens_of.setdefault(key, set()).add(token.value)
        self._due_tokens.append((token.expires_at, token.value))
        self._keep(key, now)
        return token

    def resolve_token(self, value: str) -> Token | None:
        """The live token record, or None when unknown or expired."""
        self.examined += 1
        token = self.tokens.get(value)
        if token is None or token.expires_at <= self.clock.now():
            return None
        return token

    def _keep(self, key: ActionKey, now: float) -> None:
        """The action was used now: keep it ACTION_RETENTION from now."""
        until = now + ACTION_RETENTION
        if until > self._action_until.get(key, 0.0):
            self._action_until[key] = until
            self._due_actions.append((until, key))

    def _drop_action(self, key: ActionKey) -> None:
        """The action and everything reached through it: its tokens and codes."""
        self.actions.pop(key, None)
        self._action_until.pop(key, None)
        mine = self._actions_of.get(key.user_id, {})
        mine.pop(key, None)
        if not mine:
            self._actions_of.pop(key.user_id, None)
        for value in self._tokens_of.pop(key, ()):
            self.tokens.pop(value, None)
        for channel in CHANNELS:
            self.challenges.pop((key, channel), None)

    # Code channels: their limits and where their codes go

    def send_window(self, channel: str) -> SlidingWindow:
        return self.email_sends if channel == "EMAIL_OTP" else self.sends

    def verify_window(self, channel: str) -> SlidingWindow:
        return self.email_verifies if channel == "EMAIL_OTP" else self.verifies

    def code_authenticator(self, user_id: str, channel: str) -> Authenticator | None:
        """The verified authenticator this channel's codes go to, if the user has one."""
        return self.authenticator_of(user_id, CODE_AUTHENTICATORS[channel])

    # Passkey ceremonies

    def open_ceremony(
        self,
        kind: str,
        key: ActionKey | None,
        *,
        action: str | None = None,
        user_name: str | None = None,
        display_name: str | None = None,
    ) -> Ceremony:
        """A fresh WebAuthn challenge, to be answered within CEREMONY_TTL."""
        self.sweep()
        ceremony = Ceremony(
            challenge_id=str(uuid.uuid4()),
            kind=kind,
            challenge=secrets.token_bytes(32),
            expires_at=self.clock.now() + CEREMONY_TTL,
            key=key,
            action=action,
            user_name=user_name,
            display_name=display_name,
        )
        self.ceremonies[ceremony.challenge_id] = ceremony
        self._due_ceremonies.append((ceremony.expires_at, ceremony.challenge_id))
        return ceremony

    def ceremony(self, challenge_id: str) -> Ceremony | None:
        """The live (unexpired) ceremony with this id, spent or not."""
        self.sweep()
        self.examined += 1
        return self.ceremonies.get(challenge_id)

    # Challenges and the outbox

    def open_challenge(
        self, key: ActionKey, channel: str, to: str, authenticator_id: str | None = None
    ) -> Challenge:
        """Send a fresh code; it replaces (kills) the previous one for this action and channel."""
        self.sweep()
        now = self.clock.now()
        action = self.actions.get(key)
        challenge = Challenge(
            challenge_id=str(uuid.uuid4()),
            key=key,
            channel=channel,
            code=f"{secrets.randbelow(10**6):06d}",
            expires_at=now + CODE_TTL,
            authenticator_id=authenticator_id,
            locale=action.locale if action else None,
        )
        self.challenges[(key, channel)] = challenge
        self._due_challenges.append((challenge.expires_at, (key, channel), challenge))
        message_id = str(uuid.uuid4())
        message = Message(
            message_id,
            OUTBOX_CHANNELS.get(channel, channel),
            to,
            challenge.code,
            key,
            challenge.challenge_id,
            now,
            now + CODE_TTL,
            locale=challenge.locale,
        )
        self.outbox.add(message)
        return challenge

    def latest_challenge(self, key: ActionKey, channel: str) -> Challenge | None:
        self.examined += 1
        return self.challenges.get((key, channel))

    def messages(self, *, to: str | None = None, user_id: str | None = None) -> list[Message]:
        """The outbox, oldest first (only what is still kept), for a recipient or a user."""
        self.sweep()
        return self.outbox.messages(to=to, user_id=user_id)

    # Expiry

    def sweep(self) -> None:
        """Drop what the clock has passed. Each record is looked at once, when it falls due."""
        now = self.clock.now()
        while self._due_tokens and self._due_tokens[0][0] <= now:
            value = self._due_tokens.popleft()[1]
            token = self.tokens.get(value)
            if token is not None and token.expires_at <= now:
                del self.tokens[value]
                tokens_of = self._tokens_of.get(token.key)
                if tokens_of is not None:
                    tokens_of.discard(value)
        while self._due_challenges and self._due_challenges[0][0] <= now:
            _, where, challenge = self._due_challenges.popleft()
            if self.challenges.get(where) is challenge:
                del self.challenges[where]
        while self._due_ceremonies and self._due_ceremonies[0][0] <= now:
            self.ceremonies.pop(self._due_ceremonies.popleft()[1], None)
        while self._due_actions and self._due_actions[0][0] <= now:
            key = self._due_actions.popleft()[1]
            if self._action_until.get(key, now + 1) <= now:
                self._drop_action(key)
        self.outbox.expire(now)
        for window in (self.sends, self.verifies, self.email_sends, self.email_verifies):
            window.prune(now)

    def sizes(self) -> dict[str, int]:
        """How many records of each kind are kept, indexes and expiry queues included."""
        self.sweep()
        return {
            "users": len(self.users),
            "authenticators": len(self.authenticators),
            "devices": sum(len(devices) for devices in self._devices_of.values()),
            "actions": len(self.actions),
            "tokens": len(self.tokens),
            "challenges": len(self.challenges) + len(self.ceremonies),
            "messages": len(self.outbox),
            "rate_limit_keys": len(self.sends)
            + len(self.verifies)
            + len(self.email_sends)
            + len(self.email_verifies),
            "index_entries": sum(len(a) for a in self._authenticators_of.values())
            + sum(len(a) for a in self._actions_of.values())
            + sum(len(t) for t in self._tokens_of.values())
            + len(self._passkeys)
            + sum(self.outbox.index_sizes().values()),
            "due_entries": len(self._due_actions)
            + len(self._due_tokens)
            + len(self._due_challenges)
            + len(self._due_ceremonies),
        }
