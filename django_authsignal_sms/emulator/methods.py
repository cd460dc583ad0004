"""Verification methods, spelled as the SDKs' `VerificationMethod` enums spell them."""

from __future__ import annotations

from typing import Any

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


def parse_methods(value: Any, where: str) -> tuple[str, ...]:
    """A non-empty list of known methods, without repeats; ValueError names the problem."""
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"{where} must be a non-empty list of verification methods.")
    for method in value:
        if method not in VERIFICATION_METHODS:
            raise ValueError(f"{where}: {method!r} is not a verification method{_hint(method)}.")
    return tuple(dict.fromkeys(value))


def _hint(method: Any) -> str:
    if isinstance(method, str) and method in _SPELLED:
        return f" (Authsignal calls it {_SPELLED[method]})"
    return f"; use {', '.join(VERIFICATION_METHODS)}"
