"""PHONE_NUMBER_SETTER hooks, as a site would write them."""

from __future__ import annotations

SAVED: list[tuple[str, str]] = []
NOT_CALLABLE = "+15005550006"


def save_elsewhere(user, phone_number):
    """A site that keeps the number somewhere else than the user model's field."""
    SAVED.append((user.get_username(), phone_number))


def broken(user, phone_number):
    """A site's hook with a bug: the number must not change anywhere."""
    user.phone_number = phone_number
    user.save()
    raise RuntimeError("the profile service is down")
