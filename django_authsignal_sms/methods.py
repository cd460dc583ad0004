"""Which verification methods a code page offers: what the user has, the action allows and the
site enabled (``METHODS``), the default first."""

from __future__ import annotations

from .client import TrackResult
from .conf import app_settings
from .record import PendingRecord

PASSKEY = "PASSKEY"
SMS = "SMS"
WHATSAPP = "WHATSAPP"
EMAIL_OTP = "EMAIL_OTP"
KNOWN = (PASSKEY, SMS, WHATSAPP, EMAIL_OTP)
# What the code page and its endpoints call each method; a channel is where a code goes.
NAMES = {PASSKEY: "passkey", SMS: "sms", WHATSAPP: "whatsapp", EMAIL_OTP: "email"}
CODE_METHODS = (SMS, WHATSAPP, EMAIL_OTP)
# Methods whose codes go to the number of an SMS authenticator.
PHONE_METHODS = (SMS, WHATSAPP)


def enabled() -> tuple[str, ...]:
    """The site's methods, in its order of preference: ``METHODS``, or else (unset) SMS, and
    WhatsApp when ``WHATSAPP`` is on, as before ``METHODS`` existed."""
    configured = app_settings.METHODS
    if configured is None:
        return (SMS, WHATSAPP) if app_settings.WHATSAPP else (SMS,)
    return tuple(method for method in configured if method in KNOWN)


def first_enrollment() -> tuple[str, ...]:
    """What a never-enrolled user's first authenticator may be, the site's choice first.

    The number on file (an SMS authenticator, which WhatsApp codes use too) always, as before
    email codes existed; the email on file too when the site enables ``EMAIL_OTP``, and first
    when ``METHODS`` lists it before SMS and WhatsApp (or lists neither).
    """
    order = enabled()
    if EMAIL_OTP not in order:
        return (SMS,)
    phone_at = min((order.index(m) for m in PHONE_METHODS if m in order), default=len(order))
    return (EMAIL_OTP, SMS) if order.index(EMAIL_OTP) < phone_at else (SMS, EMAIL_OTP)


def _has(method: str, enrolled: tuple[str, ...]) -> bool:
    # A WhatsApp code goes to the number of the user's SMS authenticator.
    if method == WHATSAPP:
        return SMS in enrolled or WHATSAPP in enrolled
    return method in enrolled


def offered(result: TrackResult) -> list[str]:
    """Enrolled, allowed for the action and enabled by the site, in the site's order, with
    Authsignal's default first (after a passkey the site puts first)."""
    methods = [
        method
        for method in enabled()
        if _has(method, result.enrolled_methods) and method in result.allowed_methods
    ]
    default = result.default_method
    if default in methods:
        methods.remove(default)
        # A passkey the site puts first stays first: it sends nothing and costs nothing, and the
        # user's default authenticator (often the first one enrolled) is offered right after.
        methods.insert(1 if methods[:1] == [PASSKEY] else 0, default)
    return methods


def offered_by(pending: PendingRecord) -> list[str]:
    """What the pending record offers and the site still enables (a record made before a
    method was turned off offers it no more)."""
    kept = pending.methods or ([SMS, WHATSAPP] if pending.whatsapp else [SMS])
    still = enabled()
    return [method for method in kept if method in still]


def channels_of(pending: PendingRecord) -> list[str]:
    """Where a code may go for the pending record: ``sms``, ``whatsapp``, ``email``."""
    return [NAMES[method] for method in offered_by(pending) if method in CODE_METHODS]
