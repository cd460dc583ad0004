"""What Authsignal does with an action's state, documented behaviour first, variants where open.

Every rule that depends on a variant (see variants.py) lives here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .rules import Decision, Rules

# Denying outcomes that the `rules_can_deny` variant keeps for users without an authenticator.
DENYING_STATES = ("BLOCK", "REVIEW_REQUIRED")
# Codes can be sent and verified for these states (plus REVIEW_REQUIRED, by variant).
OPEN_STATES = ("ALLOW", "CHALLENGE_REQUIRED", "CHALLENGE_SUCCEEDED")


def track_decision(
    rules: Rules,
    variants: Mapping[str, str],
    action: str,
    identities: Iterable[str],
    *,
    enrolled: bool,
) -> Decision:
    """A user with no verified authenticator is never challenged (Authsignal docs, FAQ)."""
    decision = rules.decide(action, identities)
    if enrolled:
        return decision
    if variants["unenrolled"] == "rules_can_deny" and decision.state in DENYING_STATES:
        return decision
    if decision.state == "ALLOW":
        return decision
    return Decision("ALLOW", ())


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
