"""In-memory state: users, authenticators, actions, tokens, challenges and the outbox.

Not thread-safe on its own: the engine holds one lock around every request.
"""

from __future__ import annotations

import secrets
import uuid

from .clock import Clock
from .limits import SlidingWindow
from .models import Action, ActionKey, Authenticator, Challenge, Message, Token, User
from .rules import Decision
from .tokens import mint

TOKEN_TTL = 600.0
CODE_TTL = 600.0
MAX_FAILED_ATTEMPTS = 5
DEFAULT_SCOPES = frozenset({"read:authenticators"})
ACCESS_SCOPES = frozenset(
    {"read:authenticators", "add:authenticators", "update:authenticators", "remove:authenticators"}
)


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
