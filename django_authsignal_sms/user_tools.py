"""What staff may do about one user's sign-in: read its status at Authsignal, and reset the
sign-in phone (delete the SMS authenticators, so the next login enrolls the number on file).

Used by the admin (``admin.py``) and by ``manage.py authsignal_sms_reset_phone``. Both log and
signal here; a staff user (``by``) must hold the permission, a management command passes None.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import client, signals
from .apps import AuthsignalSmsConfig
from .attributes import phone_number
from .exceptions import AuthsignalApiError, AuthsignalError
from .log import log_event, mask_phone
from .models import RESET_PHONE, VIEW_STATUS, staff_may


@dataclass(frozen=True)
class SignInStatus:
    """A user's sign-in as Authsignal has it, with the site's number on file; numbers masked."""

    is_enrolled: bool
    methods: tuple[str, ...]
    sms_phones: tuple[str, ...]
    phone_on_file: str
    on_file_is_enrolled: bool

    @property
    def other_methods(self) -> tuple[str, ...]:
        """Methods other than SMS: with one of them, the next login does not enroll the number."""
        return tuple(method for method in self.methods if method != "SMS")


def sign_in_status(
    user: AbstractBaseUser,
    *,
    by: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> SignInStatus:
    """Two reads from Authsignal (the user, their authenticators). Raises ``AuthsignalError``."""
    _require(by, VIEW_STATUS, RESET_PHONE)
    user_id = str(user.pk)
    enrollment = client.user_enrollment(user_id)
    phones = [phone.phone_number for phone in client.sms_authenticators(user_id)]
    on_file = number_on_file(user)
    log_event("sign_in_status_viewed", user_id=user_id, by=_id(by))
    signals.sign_in_status_viewed.send(AuthsignalSmsConfig, request=request, user=user, by=by)
    return SignInStatus(
        is_enrolled=enrollment.is_enrolled,
        methods=enrollment.enrolled_methods,
        sms_phones=tuple(mask_phone(phone) for phone in phones),
        phone_on_file=mask_phone(on_file),
        on_file_is_enrolled=bool(on_file) and on_file in phones,
    )


class ResetIncomplete(AuthsignalError):
    """Authsignal failed part-way: ``deleted`` of ``total`` SMS authenticators were deleted."""

    def __init__(self, error: AuthsignalError, deleted: int, total: int) -> None:
        super().__init__(str(error), status=error.status, code=error.code)
        self.reason = error.reason
        self.deleted = deleted
        self.total = total


def reset_sign_in_phone(
    user: AbstractBaseUser,
    *,
    by: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> tuple[str, ...]:
    """Delete every SMS authenticator of the user; returns the deleted numbers, masked.

    Running it again after a failure finishes the job: an authenticator already gone counts as
    deleted. Raises ``ResetIncomplete`` (an ``AuthsignalError``) when Authsignal fails.
    """
    _require(by, RESET_PHONE)
    user_id = str(user.pk)
    try:
        phones = client.sms_authenticators(user_id)
    except AuthsignalError as error:
        raise _failed(user_id, by, error, 0, 0) from error
    deleted: list[str] = []
    for phone in phones:
        try:
            _delete(user_id, phone.authenticator_id)
        except AuthsignalError as error:
            raise _failed(user_id, by, error, len(deleted), len(phones)) from error
        deleted.append(mask_phone(phone.phone_number))
    log_event(
        "sign_in_phone_reset",
        logging.WARNING,
        user_id=user_id,
        by=_id(by),
        phones=",".join(deleted),
    )
    signals.sign_in_phone_reset.send(
        AuthsignalSmsConfig, request=request, user=user, by=by, masked_phones=deleted
    )
    return tuple(deleted)


def number_on_file(user: AbstractBaseUser) -> str | None:
    """The usable (E.164) number on file; a site's PHONE_NUMBER callable that fails gives none."""
    try:
        return phone_number(user)
    except Exception:  # noqa: BLE001 - the site's own callable: the tools must still answer
        return None


def _delete(user_id: str, authenticator_id: str) -> None:
    try:
        client.delete_authenticator(user_id, authenticator_id)
    except AuthsignalApiError as error:
        if error.status != 404:
            raise


def _failed(
    user_id: str, by: AbstractBaseUser | None, error: AuthsignalError, deleted: int, total: int
) -> ResetIncomplete:
    log_event(
        "sign_in_phone_reset_failed",
        logging.ERROR,
        user_id=user_id,
        by=_id(by),
        reason=error.reason,
        detail=str(error),
        deleted=deleted,
        total=total,
    )
    return ResetIncomplete(error, deleted, total)


def _require(by: AbstractBaseUser | None, *permissions: str) -> None:
    """Staff must hold one of ``permissions``; None is a management command (shell access)."""
    if by is not None and not staff_may(by, *permissions):
        raise PermissionDenied


def _id(by: AbstractBaseUser | None) -> str:
    return "command" if by is None else str(by.pk)
