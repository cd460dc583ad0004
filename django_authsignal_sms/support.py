"""What a problem page gives the user to get help: the site's support contact
(``SUPPORT_CONTACT``) and a reference that support finds in the app's log."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass

from django.http import HttpRequest

from .attributes import client_ip
from .log import log_event

EMAIL = re.compile(r"[^@\s:/]+@[^@\s/]+\.[^@\s/]+")
LINK_SCHEMES = ("http", "https", "mailto", "tel")
# No 0/O, 1/I/L: a reference is read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Contact:
    """The support contact as shown: a link (``href``), or plain text."""

    text: str
    href: str = ""


def contact_of(value: str) -> Contact | None:
    """An email address becomes a mailto: link; an http(s), mailto: or tel: URL a link; any
    other text (a phone number, a sentence) is shown as it is."""
    value = value.strip()
    if not value:
        return None
    if EMAIL.fullmatch(value):
        return Contact(value, f"mailto:{value}")
    scheme, _, rest = value.partition(":")
    if scheme.lower() in LINK_SCHEMES and not link_problem(value):
        text = rest.removeprefix("//") if scheme.lower() in ("http", "https") else rest
        return Contact(text, value)
    return Contact(value)


def link_problem(value: str) -> str:
    """Why ``value``, written as a link (http, https, mailto: or tel:), cannot be one; ``""``
    when it can, or when it is not written as a link (then it is shown as text)."""
    scheme, colon, rest = value.strip().partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in LINK_SCHEMES:
        return ""
    if scheme in ("http", "https"):
        host = rest.removeprefix("//").split("/", 1)[0].split("?", 1)[0]
        return "" if rest.startswith("//") and host else "has no host"
    if scheme == "mailto":
        return "" if EMAIL.fullmatch(rest.split("?", 1)[0]) else "has no email address"
    return "" if re.search(r"\d", rest) else "has no phone number"


def new_reference() -> str:
    """Eight characters, ``XXXX-XXXX``: easy to read out, hard to guess."""
    characters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{characters[:4]}-{characters[4:]}"


def log_reference(request: HttpRequest, reason: str, user_id: str = "") -> str:
    """A new reference for the page about to say why (``reason``), logged with what support
    needs to find what happened: the time (the record's), the client IP, the user when known."""
    reference = new_reference()
    log_event(
        "problem_shown",
        logging.INFO,
        reference=reference,
        reason=reason,
        user_id=user_id,
        ip=client_ip(request) or "",
        path=request.path,
    )
    return reference
