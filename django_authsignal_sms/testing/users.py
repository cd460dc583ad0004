"""The tenant's users, their authenticators and their known devices, indexed by user: what the
store keeps until a user is deleted or the emulator reset (a tenant keeps them too)."""

from __future__ import annotations

import uuid

from .clock import Clock
from .state import Authenticator, PasskeyCredential, User

# A user keeps one authenticator of each method, except passkeys: one per device they sign up on.
MANY_PER_USER = ("PASSKEY",)


class Directory:
    """Users by id; authenticators by id, by user and (passkeys) by credential id; known device
    ids by user. The store builds on it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.users: dict[str, User] = {}
        self.authenticators: dict[str, Authenticator] = {}
        self._authenticators_of: dict[str, dict[str, Authenticator]] = {}
        self._passkeys: dict[str, Authenticator] = {}
        self._devices_of: dict[str, set[str]] = {}
        # Records looked at by lookups (for tests of the emulator's own cost).
        self.examined = 0

    def user(self, user_id: str) -> User:
        """The user record, created on first use."""
        self.examined += 1
        return self.users.setdefault(user_id, User(user_id))

    def delete_user(self, user_id: str) -> None:
        """The user, their authenticators and their known devices."""
        self.users.pop(user_id, None)
        self._devices_of.pop(user_id, None)
        for authenticator in self.authenticators_of(user_id, verified_only=False):
            self._drop_authenticator(authenticator)

    def authenticators_of(self, user_id: str, *, verified_only: bool = True) -> list[Authenticator]:
        mine = self._authenticators_of.get(user_id, {})
        self.examined += len(mine) or 1
        return [a for a in mine.values() if a.verified or not verified_only]

    def sms_authenticator(self, user_id: str) -> Authenticator | None:
        return self.authenticator_of(user_id, "SMS")

    def authenticator_of(self, user_id: str, method: str) -> Authenticator | None:
        """The user's verified authenticator of this method (the first, for passkeys)."""
        found = [a for a in self.authenticators_of(user_id) if a.verification_method == method]
        return found[0] if found else None

    def passkey(self, credential_id: str) -> Authenticator | None:
        """The passkey authenticator with this credential id, whoever's it is."""
        self.examined += 1
        return self._passkeys.get(credential_id)

    def may_add_authenticator(self, user_id: str, scopes: frozenset[str]) -> bool:
        """The first authenticator needs no scope; any other needs add:authenticators."""
        return not self.authenticators_of(user_id) or "add:authenticators" in scopes

    def knows_device(self, user_id: str, device_id: str | None) -> bool:
        """Whether this device id is known for the user; no device id is never known."""
        if device_id is None:
            return False
        self.examined += 1
        return device_id in self._devices_of.get(user_id, ())

    def remember_device(self, user_id: str, device_id: str) -> None:
        self._devices_of.setdefault(user_id, set()).add(device_id)

    def add_authenticator(
        self,
        user_id: str,
        method: str,
        *,
        phone_number: str | None = None,
        email: str | None = None,
        passkey: PasskeyCredential | None = None,
    ) -> Authenticator:
        """Add an unverified authenticator; `verify_authenticator` completes it."""
        authenticator = Authenticator(
            authenticator_id=str(uuid.uuid4()),
            user_id=user_id,
            verification_method=method,
            created_at=self.clock.now(),
            phone_number=phone_number,
            email=email,
            passkey=passkey,
        )
        self.authenticators[authenticator.authenticator_id] = authenticator
        if passkey is not None:
            self._passkeys[passkey.credential_id] = authenticator
        mine = self._authenticators_of.setdefault(user_id, {})
        mine[authenticator.authenticator_id] = authenticator
        return authenticator

    def verify_authenticator(
        self, authenticator: Authenticator, *, is_default: bool = False
    ) -> None:
        """Mark verified; it replaces the user's other authenticators of the same method (not
        their other passkeys)."""
        method = authenticator.verification_method
        for other in self.authenticators_of(authenticator.user_id, verified_only=False):
            if other is not authenticator and (
                other.verification_method == method and method not in MANY_PER_USER
            ):
                self._drop_authenticator(other)
        now = self.clock.now()
        authenticator.verified_at = authenticator.last_verified_at = now
        others = self.authenticators_of(authenticator.user_id)
        if is_default:
            for other in others:
                other.is_default = False
        authenticator.is_default = is_default or not any(a.is_default for a in others)
        user = self.user(authenticator.user_id)
        if method == "SMS":
            user.phone_number, user.phone_number_verified = authenticator.phone_number, True
        elif method == "EMAIL_OTP":
            user.email, user.email_verified = authenticator.email, True

    def remove_authenticator(self, user_id: str, authenticator_id: str) -> bool:
        self.examined += 1
        authenticator = self.authenticators.get(authenticator_id)
        if authenticator is None or authenticator.user_id != user_id:
            return False
        self._drop_authenticator(authenticator)
        return True

    def _drop_authenticator(self, authenticator: Authenticator) -> None:
        del self.authenticators[authenticator.authenticator_id]
        if authenticator.passkey is not None:
            self._passkeys.pop(authenticator.passkey.credential_id, None)
        mine = self._authenticators_of[authenticator.user_id]
        del mine[authenticator.authenticator_id]
        if not mine:
            del self._authenticators_of[authenticator.user_id]
