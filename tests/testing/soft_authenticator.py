"""A passkey authenticator in software, for the emulator's passkey tests without a browser.

It answers WebAuthn options as a platform authenticator does (ES256 key, "none" attestation,
user present and verified, a sign count that goes up by one per use) and returns the browser's
JSON (`RegistrationResponseJSON`, `AuthenticationResponseJSON`, as SimpleWebAuthn builds them).
Every part of what it signs can be overridden, so tests can make answers that must not verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ORIGIN = "http://localhost:8000"
UP_UV = 0x01 | 0x04  # user present, user verified
ATTESTED = 0x40  # attested credential data follows


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SoftAuthenticator:
    def __init__(self, origin: str = ORIGIN, rp_id: str = "localhost") -> None:
        self.origin = origin
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.raw_id = os.urandom(16)
        self.sign_count = 0

    @property
    def credential_id(self) -> str:
        return b64url(self.raw_id)

    def create(self, options, *, origin=None, rp_id=None, challenge=None):
        """Answer registration options (`navigator.credentials.create()`)."""
        client_data = self._client_data("webauthn.create", options, origin, challenge)
        attested = bytes(16) + len(self.raw_id).to_bytes(2, "big") + self.raw_id + self._cose()
        auth_data = self._auth_data(rp_id, UP_UV | ATTESTED) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            }
        )

    def get(self, options, *, origin=None, rp_id=None, challenge=None, sign_count=None):
        """Answer authentication options (`navigator.credentials.get()`)."""
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        client_data = self._client_data("webauthn.get", options, origin, challenge)
        auth_data = self._auth_data(rp_id, UP_UV)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": None,
            }
        )

    def _client_data(self, kind, options, origin, challenge):
        data = {
            "type": kind,
            "challenge": challenge or options["challenge"],
            "origin": origin or self.origin,
            "crossOrigin": False,
        }
        return json.dumps(data).encode()

    def _auth_data(self, rp_id, flags):
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_hash + bytes([flags]) + self.sign_count.to_bytes(4, "big")

    def _cose(self):
        numbers = self.key.public_key().public_numbers()
        cose = {
            1: 2,
            3: -7,
            -1: 1,
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
        return cbor2.dumps(cose)

    def _credential(self, response):
        return {
            "id": self.credential_id,
            "rawId": self.credential_id,
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
