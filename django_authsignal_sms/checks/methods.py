"""METHODS and WHATSAPP must not disagree (E017)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from ..methods import WHATSAPP


def check_methods_agree(**kwargs: Any) -> list[CheckMessage]:
    """``WHATSAPP = True`` with a ``METHODS`` list that leaves WhatsApp out: one of the two is a
    mistake, and the app cannot tell which."""
    options = getattr(settings, "AUTHSIGNAL_SMS", None)
    if not isinstance(options, dict):
        return []
    methods = options.get("METHODS")
    if options.get("WHATSAPP") is not True or not isinstance(methods, list | tuple):
        return []
    if WHATSAPP in methods:
        return []
    return [
        Error(
            "AUTHSIGNAL_SMS['WHATSAPP'] is True but AUTHSIGNAL_SMS['METHODS'] leaves WHATSAPP out.",
            hint="METHODS decides when it is set: add 'WHATSAPP' to it, or remove WHATSAPP "
            "(see docs/methods.md).",
            id="authsignal_sms.E017",
        )
    ]
