"""The emulated tenant's settings: outcome rules for track, and the verification methods allowed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .methods import parse_methods

TRACK_STATES = ("ALLOW", "BLOCK", "CHALLENGE_REQUIRED", "REVIEW_REQUIRED")
ALL_STATES = (
    *TRACK_STATES,
    "CHALLENGE_SUCCEEDED",
    "CHALLENGE_FAILED",
    "REVIEW_SUCCEEDED",
    "REVIEW_FAILED",
)
_KEYS = {
    "defaultState",
    "fallbackState",
    "users",
    "allowedVerificationMethods",
    "actionVerificationMethods",
}
_REMOVED = {
    "unenrolledState": "Authsignal never challenges a user without an authenticator (they get "
    "ALLOW with isEnrolled false); see the `unenrolled` variant.",
}


@dataclass(frozen=True)
class Decision:
    state: str
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """`users` keys match a userId, username, email or phone number (case-insensitive).

    A user's value is a state for every action, or a mapping of action code to state.
    Precedence: user rule, then `defaultState[action]`, then `fallbackState`. Users without a
    verified authenticator are not decided here: see `policy.track_decision`.
    `allowedVerificationMethods` is the tenant's list; `actionVerificationMethods` overrides it
    for the actions it names.
    """

    default_state: Mapping[str, str] = field(default_factory=dict)
    fallback_state: str = "CHALLENGE_REQUIRED"
    users: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)
    allowed_verification_methods: tuple[str, ...] = ("SMS",)
    action_verification_methods: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Rules:
        """Build from the JSON shape; raise ValueError naming the first problem."""
        if not isinstance(data, Mapping):
            raise ValueError("Rules must be a JSON object.")
        unknown = set(data) - _KEYS
        if unknown:
            hints = "".join(f" {key}: {_REMOVED[key]}" for key in sorted(unknown & set(_REMOVED)))
            raise ValueError(
                f"Unknown rules keys: {sorted(unknown)}; allowed: {sorted(_KEYS)}.{hints}"
            )
        return cls(
            default_state=_state_map(data.get("defaultState", {}), "defaultState"),
            fallback_state=_state(data.get("fallbackState", "CHALLENGE_REQUIRED"), "fallbackState"),
            users=_users(data.get("users", {})),
            allowed_verification_methods=parse_methods(
                data.get("allowedVerificationMethods", ["SMS"]), "allowedVerificationMethods"
            ),
            action_verification_methods=_action_methods(data.get("actionVerificationMethods", {})),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Rules:
        with open(path, encoding="utf-8") as handle:
            try:
                return cls.from_mapping(json.load(handle))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON: {error}") from error

    def to_mapping(self) -> dict[str, Any]:
        users = {key: v if isinstance(v, str) else dict(v) for key, v in self.users.items()}
        return {
            "defaultState": dict(self.default_state),
            "fallbackState": self.fallback_state,
            "users": users,
            "allowedVerificationMethods": list(self.allowed_verification_methods),
            "actionVerificationMethods": {
                action: list(methods)
                for action, methods in self.action_verification_methods.items()
            },
        }

    def allowed_methods(self, action: str | None = None) -> tuple[str, ...]:
        """The methods this action allows (the tenant's list when `action` is None or not named)."""
        if action is not None and action in self.action_verification_methods:
            return self.action_verification_methods[action]
        return self.allowed_verification_methods

    def decide(self, action: str, identities: Iterable[str]) -> Decision:
        """The state the rules give this action, for an enrolled user."""
        user_decision = self._user_decision(action, identities)
        if user_decision is not None:
            return user_decision
        if action in self.default_state:
            return Decision(self.default_state[action], (f"defaultState:{action}",))
        return Decision(self.fallback_state, ())

    def _user_decision(self, action: str, identities: Iterable[str]) -> Decision | None:
        folded = {key.casefold(): key for key in self.users}
        for identity in identities:
            key = folded.get(identity.casefold())
            if key is None:
                continue
            value = self.users[key]
            state = value if isinstance(value, str) else value.get(action)
            if state is not None:
                return Decision(state, (f"users:{key}",))
        return None


def _state(value: Any, where: str) -> str:
    if value not in TRACK_STATES:
        raise ValueError(f"{where}: {value!r} is not one of {', '.join(TRACK_STATES)}.")
    return str(value)


def _state_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must map action codes to states.")
    return {str(action): _state(state, f"{where}.{action}") for action, state in value.items()}


def _users(value: Any) -> dict[str, str | Mapping[str, str]]:
    if not isinstance(value, Mapping):
        raise ValueError("users must map a userId, username, email or phone number to a state.")
    users: dict[str, str | Mapping[str, str]] = {}
    for key, state in value.items():
        where = f"users.{key}"
        users[str(key)] = (
            _state_map(state, where) if isinstance(state, Mapping) else _state(state, where)
        )
    return users


def _action_methods(value: Any) -> dict[str, tuple[str, ...]]:
    where = "actionVerificationMethods"
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must map action codes to lists of verification methods.")
    return {
        str(action): parse_methods(methods, f"{where}.{action}")
        for action, methods in value.items()
    }
