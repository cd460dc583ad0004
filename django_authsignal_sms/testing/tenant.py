"""The emulated tenant: its settings (outcome rules for track, the verification methods allowed),
the variants for what Authsignal leaves undocumented, and the policy that applies both.

Every rule that depends on a variant lives in the policy functions at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .relying_party import RelyingParty
from .risk import RiskRule, Signals, first_match, parse_rules
from .state import Decision
from .state import parse_track_state as _state

# Spelled as the SDKs' `VerificationMethod` enums spell them.
VERIFICATION_METHODS = (
    "SMS",
    "WHATSAPP",
    "EMAIL_OTP",
    "EMAIL_MAGIC_LINK",
    "AUTHENTICATOR_APP",
    "PASSKEY",
    "SECURITY_KEY",
    "PUSH",
    "RECOVERY_CODE",
    "VERIFF",
    "IPROOV",
    "IDVERSE",
    "PALM_BIOMETRICS_RR",
    "DEVICE",
)
# Names people write that Authsignal spells differently: only used in the error message.
_SPELLED = {"TOTP": "AUTHENTICATOR_APP", "EMAIL": "EMAIL_OTP"}
_KEYS = {
    "defaultState",
    "fallbackState",
    "users",
    "rules",
    "allowedVerificationMethods",
    "actionVerificationMethods",
    "passkey",
}
_REMOVED = {
    "unenrolledState": "Authsignal never challenges a user without an authenticator (they get "
    "ALLOW with isEnrolled false); see the `unenrolled` variant.",
}


@dataclass(frozen=True)
class Rules:
    """`users` keys match a userId, username, email or phone number (case-insensitive).

    A user's value is a state for every action, or a mapping of action code to state.
    Precedence: user rule, the first matching risk rule (`rules`, see ``risk``),
    `defaultState[action]`, then `fallbackState`. Users without a verified authenticator are
    not decided here: see `track_decision`.
    `allowedVerificationMethods` is the tenant's list; `actionVerificationMethods` overrides it
    for the actions it names. `passkey` is the relying party passkeys are made for.
    """

    default_state: Mapping[str, str] = field(default_factory=dict)
    fallback_state: str = "CHALLENGE_REQUIRED"
    users: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)
    risk_rules: tuple[RiskRule, ...] = ()
    allowed_verification_methods: tuple[str, ...] = ("SMS",)
    action_verification_methods: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    passkey: RelyingParty = field(default_factory=RelyingParty)

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
            risk_rules=parse_rules(data.get("rules", [])),
            allowed_verification_methods=parse_methods(
                data.get("allowedVerificationMethods", ["SMS"]), "allowedVerificationMethods"
            ),
            action_verification_methods=_action_methods(data.get("actionVerificationMethods", {})),
            passkey=RelyingParty.from_mapping(data.get("passkey", {})),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Rules:
        with open(path, encoding="utf-8") as handle:
            try:
                return cls.from_mapping(json.load(handle))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON: {error}") from error

    def to_mapping(self) -> dict[str, Any]:
        """The JSON shape, normalized; `passkey` only when it is not the default."""
        users = {key: v if isinstance(v, str) else dict(v) for key, v in self.users.items()}
        passkey = {} if self.passkey == RelyingParty() else {"passkey": self.passkey.to_mapping()}
        return {
            "defaultState": dict(self.default_state),
            "fallbackState": self.fallback_state,
            "users": users,
            "rules": [rule.to_mapping() for rule in self.risk_rules],
            "allowedVerificationMethods": list(self.allowed_verification_methods),
            "actionVerificationMethods": {
                action: list(methods)
                for action, methods in self.action_verification_methods.items()
            },
            **passkey,
        }

    def allowed_methods(self, action: str | None = None) -> tuple[str, ...]:
        """The methods this action allows (the tenant's list when `action` is None or not named)."""
        if action is not None and action in self.action_verification_methods:
            return self.action_verification_methods[action]
        return self.allowed_verification_methods

    def decide(self, action: str, identities: Iterable[str], signals: Signals) -> Decision:
        """The state the rules give this action, for an enrolled user."""
        user_decision = self._user_decision(action, identities)
        if user_decision is not None:
            return user_decision
        rule = first_match(self.risk_rules, action, signals)
        if rule is not None:
            return Decision(rule.state, (f"rules:{rule.rule_id}",))
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


def parse_methods(value: Any, where: str) -> tuple[str, ...]:
    """A non-empty list of known methods, without repeats; ValueError names the problem."""
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"{where} must be a non-empty list of verification methods.")
    for method in value:
        if method not in VERIFICATION_METHODS:
            if isinstance(method, str) and method in _SPELLED:
                hint = f" (Authsignal calls it {_SPELLED[method]})"
            else:
                hint = f"; use {', '.join(VERIFICATION_METHODS)}"
            raise ValueError(f"{where}: {method!r} is not a verification method{hint}.")
    return tuple(dict.fromkeys(value))


def _state_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must map action codes to states.")
    return {str(action): _state(state, f"{where}.{action}") for action, state in value.items()}


def _users(value: Any) -> dict[str, str | Mapping[str, str]]:
    if not isinstance(value, Mapping):
        raise ValueError("users must map a userId, username, email or phone number to a state.")
    return {
        str(key): _state_map(state, f"users.{key}")
        if isinstance(state, Mapping)
        else _state(state, f"users.{key}")
        for key, state in value.items()
    }


def _action_methods(value: Any) -> dict[str, tuple[str, ...]]:
    where = "actionVerificationMethods"
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must map action codes to lists of verification methods.")
    return {
        str(action): parse_methods(methods, f"{where}.{action}")
        for action, methods in value.items()
    }


# Variants: one name per undocumented behaviour, its possible values, the default first.
# Tests can parametrize over VARIANTS to run against every plausible behaviour.
VARIANTS: dict[str, tuple[str, ...]] = {
    # Track for a user without a verified authenticator: always ALLOW, or BLOCK and
    # REVIEW_REQUIRED rules still apply (CHALLENGE_REQUIRED always becomes ALLOW).
    "unenrolled": ("allow", "rules_can_deny"),
    # Validate after a successful verify on an action tracked ALLOW.
    "allow_verified": ("challenge_succeeded", "allow_valid", "allow_invalid"),
    # Validate with an unknown, malformed or expired token.
    "bad_token": ("expired_token", "invalid_request", "not_valid"),
    # A client challenge (or sms.enroll) on a REVIEW_REQUIRED action.
    "review_challenge": ("refused", "succeeds", "stays_review"),
    # A path the API does not know, such as a base URL without /v1.
    "unknown_path": ("missing_token", "not_found"),
    # When a user's device id stops being new: at its first track, or its first passed challenge.
    "known_device": ("after_track", "after_challenge"),
    # A passkey that does not verify (unknown credential, wrong challenge, origin, signature...):
    # 200 {"isVerified": false}, or a 400 invalid_credential error.
    "passkey_failure": ("not_verified", "invalid_credential"),
    # The user's next track of an action after a review of it was approved (update action to
    # REVIEW_SUCCEEDED): judged by the rules as any other, or CHALLENGE_REQUIRED.
    "after_review": ("reviews_again", "remembers"),
}
DEFAULT_VARIANTS: dict[str, str] = {name: values[0] for name, values in VARIANTS.items()}


def merge_variants(changes: Any, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every variant: `base` (default: the defaults) with `changes` applied.

    Raises ValueError naming the first unknown name or value.
    """
    if not isinstance(changes, Mapping):
        raise ValueError("Variants must be an object mapping a variant name to a value.")
    merged = dict(DEFAULT_VARIANTS if base is None else base)
    for name, value in changes.items():
        values = VARIANTS.get(name)
        if values is None:
            raise ValueError(f"Unknown variant {name!r}; known: {', '.join(VARIANTS)}.")
        if value not in values:
            raise ValueError(f"Variant {name}: {value!r} is not one of {', '.join(values)}.")
        merged[name] = value
    return merged


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """The command line's `--variant NAME=VALUE` items, checked; the last one for a name wins."""
    changes: dict[str, str] = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals:
            raise ValueError(f"--variant takes NAME=VALUE, not {item!r}.")
        changes[name.strip()] = value.strip()
    return merge_variants(changes)


def describe_variants() -> str:
    """For --help: every variant with its values, the default first."""
    return "; ".join(f"{name}={'|'.join(values)}" for name, values in VARIANTS.items())


# Policy: what Authsignal does with an action's state, documented behaviour first, variants
# where it is open.

# Denying outcomes that the `rules_can_deny` variant keeps for users without an authenticator.
DENYING_STATES = ("BLOCK", "REVIEW_REQUIRED")
# Codes can be sent and verified for these states (plus REVIEW_REQUIRED, by variant).
OPEN_STATES = ("ALLOW", "CHALLENGE_REQUIRED", "CHALLENGE_SUCCEEDED")


def track_decision(
    rules: Rules,
    variants: Mapping[str, str],
    action: str,
    identities: Iterable[str],
    signals: Signals,
    *,
    enrolled: bool,
) -> Decision:
    """A user with no verified authenticator is never challenged (Authsignal docs, FAQ)."""
    decision = rules.decide(action, identities, signals)
    if enrolled or decision.state == "ALLOW":
        return decision
    if variants["unenrolled"] == "rules_can_deny" and decision.state in DENYING_STATES:
        return decision
    return Decision("ALLOW", ())


def remembers_approvals(variants: Mapping[str, str]) -> bool:
    """Whether an approved review changes the user's next track of that action (else the rules
    judge it as any other, and may hold it for review again)."""
    return variants["after_review"] == "remembers"


def after_approval(decision: Decision, *, enrolled: bool) -> Decision:
    """The next track after a remembered approval: CHALLENGE_REQUIRED, but a user with no
    authenticator is never challenged (Authsignal docs, FAQ)."""
    return Decision("CHALLENGE_REQUIRED", ()) if enrolled else decision


def knows_device_after_track(variants: Mapping[str, str]) -> bool:
    """Whether a track makes its device known (otherwise a passed challenge does, see store)."""
    return variants["known_device"] == "after_track"


def open_states(variants: Mapping[str, str]) -> tuple[str, ...]:
    """The states in which a token may send a code or verify one."""
    if variants["review_challenge"] == "refused":
        return OPEN_STATES
    return (*OPEN_STATES, "REVIEW_REQUIRED")


def state_after_verify(state: str, variants: Mapping[str, str]) -> str:
    """The action's state once a code for it is verified; `state` is one of open_states()."""
    if state == "ALLOW" and variants["allow_verified"] != "challenge_succeeded":
        return "ALLOW"
    if state == "REVIEW_REQUIRED" and variants["review_challenge"] == "stays_review":
        return "REVIEW_REQUIRED"
    return "CHALLENGE_SUCCEEDED"


def is_valid(state: str, variants: Mapping[str, str]) -> bool:
    """Validate's isValid: a completed challenge (Authsignal docs), or ALLOW by variant."""
    if state == "ALLOW":
        return variants["allow_verified"] == "allow_valid"
    return state == "CHALLENGE_SUCCEEDED"


def passkey_failure_is_error(variants: Mapping[str, str]) -> bool:
    """Whether a passkey that does not verify gets an error reply (else `isVerified: false`)."""
    return variants["passkey_failure"] == "invalid_credential"
