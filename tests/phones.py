from __future__ import annotations

NOT_CALLABLE = "+15005550006"


def from_profile(user):
    """A PHONE_NUMBER callable, as an integrator would write one."""
    return getattr(user, "phone_number", None)
