"""The site's own record of the number: what a completed change writes there.

``PHONE_NUMBER_SETTER`` names a callable ``f(user, phone_number)`` (E.164); by default the
user model's field named by ``PHONE_NUMBER`` is set and saved. It runs inside the transaction
that also removes the old number at Authsignal: raising undoes the change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.utils.module_loading import import_string

from ..conf import app_settings

Setter = Callable[[Any, str], Any]


def set_phone_number(user: Any, phone: str) -> None:
    """Record ``phone`` as the user's number on the site, through the configured hook."""
    path = app_settings.PHONE_NUMBER_SETTER
    setter = load_setter(path) if path else save_phone_field
    setter(user, phone)


@functools.lru_cache(maxsize=8)
def load_setter(path: str) -> Setter:
    loaded: Setter = import_string(path)
    return loaded


def save_phone_field(user: Any, phone: str) -> None:
    """The default: set the ``PHONE_NUMBER`` attribute and save the user."""
    name = app_settings.PHONE_NUMBER
    if "." in name:
        raise ImproperlyConfigured(
            "PHONE_NUMBER is a callable, so the app cannot tell where to save a new number: "
            "set AUTHSIGNAL_SMS['PHONE_NUMBER_SETTER'] (check E015)."
        )
    setattr(user, name, phone)
    user.save(update_fields=[name] if _is_field(user, name) else None)


def _is_field(user: Any, name: str) -> bool:
    try:
        user._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
