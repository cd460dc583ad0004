"""Switches for what Authsignal's docs leave open: one name per behaviour, the first value default.

Tests can parametrize over `VARIANTS` to run against every plausible behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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
