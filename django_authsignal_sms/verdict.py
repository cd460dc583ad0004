"""What Authsignal's validate answer must say before a pending login may complete."""

from __future__ import annotations

from . import enrollment, methods
from .client import ValidationResult
from .record import PendingRecord

# Longer posted tokens are refused without asking Authsignal.
TOKEN_MAX_LENGTH = 4096


def offers_whatsapp(pending: PendingRecord) -> bool:
    """WhatsApp is offered when the site enabled it and Authsignal allows it for the action."""
    return methods.WHATSAPP in methods.offered_by(pending)


def accepted_methods(pending: PendingRecord) -> set[str]:
    """The verification methods this app offered for the pending login and the site still
    enables, and only those: a token verified any other way is refused."""
    return set(methods.offered_by(pending))


def problem_with(result: ValidationResult, pending: PendingRecord) -> str:
    """Every check before a login completes; the first that fails names it, ``""`` if none."""
    method = result.verification_method
    bindings = [
        ("wrong_user", result.user_id == pending.user_id),
        ("wrong_action", result.action == pending.action),
        ("wrong_idempotency_key", result.idempotency_key == pending.idempotency_key),
        ("wrong_method", method is None or method in accepted_methods(pending)),
    ]
    if pending.confirm_allow and result.state == "ALLOW":
        # A code verified on an action tracked as ALLOW (right after the app enrolled the
        # number): validate's answer is undocumented, so Authsignal's record must show it.
        bound = next((name for name, passed in bindings if not passed), "")
        if bound:
            return bound
        verified = enrollment.verified_since_enrollment(
            pending.user_id, pending.authenticator_id, pending.verified_baseline
        )
        return "" if verified else "not_verified"
    checks = [
        ("not_valid", result.is_valid),
        ("wrong_state", result.state == "CHALLENGE_SUCCEEDED"),
        *bindings,
        ("wrong_method", method is not None),
    ]
    return next((name for name, passed in checks if not passed), "")
