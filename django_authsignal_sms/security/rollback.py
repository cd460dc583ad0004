"""Putting the old number back after a change of sign-in phone that did not complete.

When the new number is verified, Authsignal may already have replaced the old SMS authenticator
with it (the emulator does; Authsignal does not say), or kept both. Either way the user is left
with the old number and nothing else: it is enrolled again through the server API (no code is
sent) if it is gone, then every other SMS authenticator is removed. Re-enrolling first means the
user is never left without a sign-in phone in between.

When Authsignal cannot be reached for this, the repair is owed: kept in the cache and tried
again when the user next opens the security page or starts a change.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import caches

from .. import client
from ..conf import app_settings
from ..exceptions import AuthsignalApiError, AuthsignalError, AuthsignalMalformedResponse
from ..log import log_event, mask_phone
from .state import PhoneChange

# An owed repair is kept this long; past it the site's number check (phone_mismatch) still
# reports a number that differs from the one on file.
OWED_SECONDS = 30 * 24 * 3600


def put_back(change: PhoneChange) -> None:
    """Leave the user with the old number only; owe it when Authsignal cannot be reached."""
    try:
        restore(change.user_id, change.old_phone, change.old_ids)
    except AuthsignalError as error:
        _owe(change.user_id, change.old_phone, change.old_ids)
        log_event(
            "sign_in_phone_rollback_failed",
            logging.ERROR,
            user_id=change.user_id,
            old=mask_phone(change.old_phone),
            new=mask_phone(change.new_phone),
            reason=error.reason,
        )


def settle(user_id: str) -> None:
    """Carry out a repair owed to the user; raises ``AuthsignalError`` if it still cannot be."""
    owed = _cache().get(_key(user_id))
    if not isinstance(owed, dict):
        return
    restore(user_id, str(owed.get("old_phone", "")), list(owed.get("old_ids", [])))
    forget(user_id)
    log_event("sign_in_phone_rollback_settled", user_id=user_id)


def forget(user_id: str) -> None:
    """Nothing is owed any more: the user changed or removed the number since."""
    _cache().delete(_key(user_id))


def restore(user_id: str, old_phone: str, old_ids: list[str]) -> None:
    """The old number enrolled (again, if it is gone), then every other SMS authenticator
    removed."""
    phones = client.sign_in_phones(user_id)
    if old_phone and not any(phone.phone_number == old_phone for phone in phones):
        client.enroll_sms(user_id, old_phone)
        phones = client.sign_in_phones(user_id)
    others = [
        p for p in phones if p.authenticator_id not in old_ids and p.phone_number != old_phone
    ]
    for phone in others:
        remove_authenticator(user_id, phone.authenticator_id)
    # The SDK reads no reply to a removal (a proxy's 200 page would pass for one): look again.
    left = {phone.authenticator_id for phone in others}
    if left and left & {phone.authenticator_id for phone in client.sign_in_phones(user_id)}:
        raise AuthsignalMalformedResponse("a new number is still enrolled after its removal")


def remove_authenticator(user_id: str, authenticator_id: str) -> None:
    """Remove it; one that is already gone (404) counts as removed."""
    try:
        client.delete_authenticator(user_id, authenticator_id)
    except AuthsignalApiError as error:
        if error.status != 404:
            raise


def _owe(user_id: str, old_phone: str, old_ids: list[str]) -> None:
    owed: dict[str, Any] = {"old_phone": old_phone, "old_ids": list(old_ids)}
    _cache().set(_key(user_id), owed, OWED_SECONDS)


def _cache() -> Any:
    return caches[app_settings.CACHE_ALIAS]


def _key(user_id: str) -> str:
    digest = hashlib.sha256(user_id.encode()).hexdigest()[:32]
    return f"authsignal_sms:phone-rollback:{digest}"
