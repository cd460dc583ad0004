"""First enrollment: who must have a second factor, and binding it to what is on file.

Authsignal answers ``ALLOW`` with ``isEnrolled: false`` for a user who has no authenticator,
whatever the action's rules say. For a user under the enrollment policy the app enrolls the
number on file (or, with email codes enabled, the email on file) itself, through the server
API, and then asks for a code sent to it: a token able to enroll a phone number or an address
never reaches the browser. docs/enrollment.md explains why.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils.module_loading import import_string

from . import client, methods, signals
from .apps import AuthsignalSmsConfig
from .client import Authenticator, SmsAuthenticator, TrackResult
from .conf import app_settings
from .exceptions import AuthsignalError
from .log import log_event, mask_phone

# How long a checked "the number on file is the enrolled one" is remembered (per number).
MATCH_MEMORY_SECONDS = 24 * 3600

# The authenticator the app enrolled for a first login: the number on file, or the email.
Enrolled: TypeAlias = SmsAuthenticator | Authenticator


def enrollment_required(user: AbstractBaseUser) -> bool:
    """Whether the site's REQUIRE_ENROLLMENT policy demands a second factor of ``user``."""
    policy = app_settings.REQUIRE_ENROLLMENT
    if policy == "all":
        return True
    if policy == "none":
        return False
    if policy == "staff":
        return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))
    return bool(_load_policy(policy)(user))


@functools.lru_cache(maxsize=8)
def _load_policy(path: str) -> Callable[[AbstractBaseUser], Any]:
    loaded: Callable[[AbstractBaseUser], Any] = import_string(path)
    return loaded


def needs_enrollment(result: TrackResult, user: AbstractBaseUser) -> bool:
    """No authenticator at all, and a code is wanted: by the site's policy or by Authsignal."""
    if result.is_enrolled or result.state not in ("ALLOW", "CHALLENGE_REQUIRED"):
        return False
    return result.state == "CHALLENGE_REQUIRED" or enrollment_required(user)


def enroll_on_file(
    request: HttpRequest, user: AbstractBaseUser, phone: str | None
) -> Enrolled | None:
    """Enroll the number or the email on file, whichever the site prefers and the user has
    (``methods.first_enrollment``); ``None`` when the user has neither usable."""
    for method in methods.first_enrollment():
        if method == methods.SMS and phone:
            return enroll_number_on_file(request, user, phone)
        if method == methods.EMAIL_OTP and (email := email_on_file(user)):
            return enroll_email_on_file(user, email)
    return None


def email_on_file(user: AbstractBaseUser) -> str | None:
    """The user's email address (the model's ``EMAIL_FIELD``), when it is a valid one."""
    email = str(getattr(user, user.get_email_field_name(), None) or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        return None
    return email


def enroll_email_on_file(user: AbstractBaseUser, email: str) -> Authenticator:
    """Enroll the site's own address for ``user`` (no code is sent by this call)."""
    authenticator = client.enroll_email(str(user.pk), email)
    log_event("email_enrolled", user_id=user.pk)
    return authenticator


def enroll_number_on_file(
    request: HttpRequest, user: AbstractBaseUser, phone: str
) -> SmsAuthenticator:
    """Enroll the site's own number for ``user`` (no code is sent by this call)."""
    authenticator = client.enroll_sms(str(user.pk), phone)
    masked = mask_phone(phone)
    log_event("sms_enrolled", user_id=user.pk, phone=masked)
    signals.sms_enrolled.send(AuthsignalSmsConfig, request=request, user=user, masked_phone=masked)
    return authenticator


def verified_since_enrollment(user_id: str, authenticator_id: str, baseline: str) -> bool:
    """The authenticator the app enrolled (an SMS or an email OTP one) has verified a code
    since its enrollment.

    Proof used when Authsignal's validate does not say ``CHALLENGE_SUCCEEDED`` for a code
    verified on an action it had tracked as ``ALLOW``.
    """
    for authenticator in client.authenticators(user_id):
        if authenticator.authenticator_id == authenticator_id:
            last = authenticator.last_verified_at
            return bool(last) and last != baseline
    return False


def check_enrolled_number(request: HttpRequest, user: AbstractBaseUser, phone: str | None) -> None:
    """Log and signal when codes go to another number than the one on file.

    The code still goes to the enrolled authenticator: changing numbers needs its own
    verification. A match is remembered in the cache, so this costs one call per number a day.
    """
    if not phone:
        return
    user_id = str(user.pk)
    key = _match_key(user_id, phone)
    if cache.get(key):
        return
    try:
        enrolled = [a.phone_number for a in client.sms_authenticators(user_id)]
    except AuthsignalError as error:
        log_event("phone_check_failed", logging.WARNING, user_id=user_id, reason=error.reason)
        return
    if not enrolled or phone in enrolled:
        cache.set(key, True, MATCH_MEMORY_SECONDS)
        return
    masked_enrolled = [mask_phone(number) for number in enrolled]
    log_event(
        "phone_mismatch",
        logging.WARNING,
        user_id=user_id,
        phone=mask_phone(phone),
        enrolled=",".join(masked_enrolled),
    )
    signals.phone_mismatch.send(
        AuthsignalSmsConfig,
        request=request,
        user=user,
        masked_phone=mask_phone(phone),
        masked_enrolled=masked_enrolled,
    )


def _match_key(user_id: str, phone: str) -> str:
    digest = hashlib.sha256(f"{user_id}\0{phone}".encode()).hexdigest()[:32]
    return f"authsignal_sms:number-matches:{digest}"
