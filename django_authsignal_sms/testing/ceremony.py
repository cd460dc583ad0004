"""WebAuthn ceremonies, done by py_webauthn: the options handed to the browser, and the checks of
what its authenticator answers (challenge, origin, RP ID, user presence, signature, sign count,
and the attestation statement in the formats py_webauthn knows).

py_webauthn is the `webauthn` package, in the `test` extra. It is imported on first use, so the
emulator starts, and the app runs, without it; a passkey call then answers a 501 saying what to
install.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .relying_party import RelyingParty
from .state import ApiError

TIMEOUT_MS = 60_000
INSTALL_HINT = (
    "Passkeys on the Authsignal emulator need the webauthn package (py_webauthn 3): "
    "pip install 'django-authsignal-sms[test]', or pip install 'webauthn>=3,<4'."
)


class CeremonyFailed(Exception):
    """The browser's answer does not verify; the message says why."""


@dataclass(frozen=True)
class Registered:
    credential_id: str  # base64url
    public_key: bytes  # COSE
    sign_count: int
    aaguid: str
    backed_up: bool
    multi_device: bool


def registration_options(
    rp: RelyingParty,
    rp_name: str,
    *,
    user_id: str,
    user_name: str,
    display_name: str,
    challenge: bytes,
    exclude: list[str],
    attachment: str | None,
) -> dict[str, Any]:
    """`PublicKeyCredentialCreationOptionsJSON`: a discoverable credential is preferred (so it
    can sign in without a username), user verification preferred, no attestation asked."""
    webauthn = _library()
    from webauthn.helpers import structs

    options = webauthn.generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp_name,
        user_id=hashlib.sha256(user_id.encode()).digest(),
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=structs.AuthenticatorSelectionCriteria(
            authenticator_attachment=(
                None if attachment is None else structs.AuthenticatorAttachment(attachment)
            ),
            resident_key=structs.ResidentKeyRequirement.PREFERRED,
            user_verification=structs.UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(value) for value in exclude],
    )
    return _json(webauthn.options_to_json(options))


def authentication_options(
    rp: RelyingParty, *, challenge: bytes, allow: list[str]
) -> dict[str, Any]:
    """`PublicKeyCredentialRequestOptionsJSON`; `allow` empty lets the browser offer any of the
    RP's discoverable passkeys (a sign-in without a username, autofill included)."""
    webauthn = _library()
    options = webauthn.generate_authentication_options(
        rp_id=rp.rp_id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(value) for value in allow],
    )
    return _json(webauthn.options_to_json(options))


def credential_id(credential: Mapping[str, Any]) -> str:
    """The `id` the browser gives a credential (base64url); "" when there is none."""
    value = credential.get("id")
    return value if isinstance(value, str) else ""


def verify_registration(
    rp: RelyingParty, credential: Mapping[str, Any], challenge: bytes
) -> Registered:
    """Check a `navigator.credentials.create()` answer; CeremonyFailed says what is wrong."""
    webauthn = _library()
    origin = _checked_origin(rp, credential)
    try:
        verified = webauthn.verify_registration_response(
            credential=dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=origin,
        )
    except _library_errors() as error:
        raise CeremonyFailed(f"The passkey registration does not verify: {error}") from error
    return Registered(
        credential_id=_b64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        backed_up=verified.credential_backed_up,
        multi_device=verified.credential_device_type == "multi_device",
    )


def verify_authentication(
    rp: RelyingParty,
    credential: Mapping[str, Any],
    challenge: bytes,
    public_key: bytes,
    sign_count: int,
) -> int:
    """Check a `navigator.credentials.get()` answer against the stored public key and sign
    count; returns the new sign count. CeremonyFailed says what is wrong."""
    webauthn = _library()
    origin = _checked_origin(rp, credential)
    try:
        verified = webauthn.verify_authentication_response(
            credential=dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
        )
    except _library_errors() as error:
        raise CeremonyFailed(f"The passkey does not verify: {error}") from error
    return int(verified.new_sign_count)


def _checked_origin(rp: RelyingParty, credential: Mapping[str, Any]) -> str:
    """The origin the browser put in clientDataJSON, if the relying party accepts it."""
    response = credential.get("response")
    encoded = response.get("clientDataJSON") if isinstance(response, Mapping) else None
    try:
        client_data = json.loads(_unb64url(str(encoded)))
        origin = client_data["origin"]
    except (ValueError, TypeError, KeyError, binascii.Error) as error:
        raise CeremonyFailed("The credential has no readable clientDataJSON.") from error
    if not isinstance(origin, str) or not rp.accepts(origin):
        raise CeremonyFailed(
            f"The origin {origin!r} is not one the relying party {rp.rp_id!r} expects."
        )
    return origin


def _library() -> ModuleType:
    try:
        import webauthn
    except ImportError as error:
        raise ApiError(501, "not_implemented", INSTALL_HINT) from error
    return webauthn


def _library_errors() -> tuple[type[Exception], ...]:
    """What py_webauthn raises for an answer that does not verify or does not parse."""
    from webauthn.helpers.exceptions import WebAuthnException

    return (WebAuthnException, ValueError, TypeError, KeyError)


def _descriptor(value: str) -> Any:
    from webauthn.helpers import structs

    return structs.PublicKeyCredentialDescriptor(id=_unb64url(value))


def _json(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
