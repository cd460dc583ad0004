"""SUPPORT_CONTACT, written as a link the problem pages could not use (E016)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from ..support import link_problem


def check_support_contact(**kwargs: Any) -> list[CheckMessage]:
    options = getattr(settings, "AUTHSIGNAL_SMS", {})
    contact = options.get("SUPPORT_CONTACT") if isinstance(options, dict) else None
    if not isinstance(contact, str):
        return []  # None, or a wrong type (E005)
    problem = link_problem(contact)
    if not problem:
        return []
    return [
        Error(
            f"AUTHSIGNAL_SMS['SUPPORT_CONTACT'] {contact!r} {problem}: the problem pages would "
            "show a broken link.",
            hint="An email address (help@example.com), a link (https://example.com/help, "
            "mailto:help@example.com, tel:+6491234567), or a short text such as a phone "
            "number; see docs/settings.md.",
            id="authsignal_sms.E016",
        )
    ]
