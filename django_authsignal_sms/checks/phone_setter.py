"""Where the security page saves a changed number: PHONE_NUMBER_SETTER (E015, W012)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from ..conf import _option


def check_phone_setter(**kwargs: Any) -> list[CheckMessage]:
    setter, source = _option("PHONE_NUMBER_SETTER"), _option("PHONE_NUMBER")
    if not setter and isinstance(source, str) and "." in source and not _import_problem(source):
        # The default saves the PHONE_NUMBER field; a PHONE_NUMBER callable names none (one
        # that does not import is E006's).
        return [
            Warning(
                "AUTHSIGNAL_SMS['PHONE_NUMBER'] is a callable and PHONE_NUMBER_SETTER is not "
                "set: the security page cannot save a changed sign-in phone, so every change "
                "is undone.",
                hint="Set PHONE_NUMBER_SETTER to the dotted path of a function "
                "f(user, phone_number) that saves the number where PHONE_NUMBER reads it.",
                id="authsignal_sms.W012",
            )
        ]
    problem = _import_problem(setter) if setter and isinstance(setter, str) else ""
    if not problem:
        return []  # no setter, a usable one, or not a string (E005's)
    return [
        Error(
            f"AUTHSIGNAL_SMS['PHONE_NUMBER_SETTER'] {setter!r} {problem}: a changed sign-in "
            "phone could never be saved, so every change would be undone.",
            hint="The dotted path of a function f(user, phone_number) that saves the new "
            "number (E.164) where the site keeps it, or None to save the PHONE_NUMBER field.",
            id="authsignal_sms.E015",
        )
    ]


def _import_problem(path: str) -> str:
    try:
        loaded = import_string(path)
    except Exception as exc:  # ImportError, or ValueError/TypeError for ".x"-like paths
        return f"does not import ({exc})"
    return "" if callable(loaded) else "is not callable"
