"""The JSON shapes of the emulator's records, camelCase as on the wire."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .clock import iso
from .models import Action, Authenticator, Message
from .store import Store


def enrollment(store: Store, user_id: str, allowed: Sequence[str]) -> dict[str, Any]:
    """Enrollment fields: any verified authenticator counts; `allowed` is the tenant's setting."""
    authenticators = store.authenticators_of(user_id)
    body: dict[str, Any] = {
        "isEnrolled": bool(authenticators),
        "enrolledVerificationMethods": sorted({a.verification_method for a in authenticators}),
        "allowedVerificationMethods": list(allowed),
    }
    defaults = [a for a in authenticators if a.is_default] or authenticators
    if defaults:
        body["defaultVerificationMethod"] = defaults[0].verification_method
    return body


def user(store: Store, user_id: str, allowed: Sequence[str]) -> dict[str, Any]:
    record = store.users.get(user_id)
    body: dict[str, Any] = {"userId": user_id, **enrollment(store, user_id, allowed)}
    if record is None:
        return {**body, "emailVerified": False, "phoneNumberVerified": False}
    optional = {
        "email": record.email,
        "phoneNumber": record.phone_number,
        "username": record.username,
        "displayName": record.display_name,
        "custom": record.custom,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    body["emailVerified"] = record.email_verified
    body["phoneNumberVerified"] = record.phone_number_verified
    return body


def authenticator(record: Authenticator) -> dict[str, Any]:
    body: dict[str, Any] = {
        "userId": record.user_id,
        "userAuthenticatorId": record.authenticator_id,
        "verificationMethod": record.verification_method,
        "createdAt": iso(record.created_at),
        "isDefault": record.is_default,
    }
    optional = {
        "verifiedAt": None if record.verified_at is None else iso(record.verified_at),
        "lastVerifiedAt": None if record.last_verified_at is None else iso(record.last_verified_at),
        "phoneNumber": record.phone_number,
        "email": record.email,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def action(record: Action) -> dict[str, Any]:
    body: dict[str, Any] = {
        "state": record.state,
        "createdAt": iso(record.created_at),
        "stateUpdatedAt": iso(record.state_updated_at),
        "output": {},
        "ruleIds": list(record.rule_ids),
    }
    if record.verification_method is not None:
        body["verificationMethod"] = record.verification_method
    return body


def message(record: Message) -> dict[str, Any]:
    return {
        "id": record.message_id,
        "channel": record.channel,
        "to": record.to,
        "code": record.code,
        "userId": record.key.user_id,
        "action": record.key.action,
        "idempotencyKey": record.key.idempotency_key,
        "challengeId": record.challenge_id,
        "sentAt": iso(record.sent_at),
        "expiresAt": iso(record.expires_at),
    }
