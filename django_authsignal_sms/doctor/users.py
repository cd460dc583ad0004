"""How many users have a usable (E.164) number, with a few examples, masked."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DatabaseError
from django.db.models import Model, QuerySet

from ..attributes import phone_number, phone_number_source
from ..conf import app_settings
from ..log import logger, mask_phone
from .findings import Finding

USER_EXAMPLES = 5
USER_CHUNK_SIZE = 2000


def check_users() -> Finding:
    try:
        phone_number_source()
    except ImportError as error:
        return Finding(
            "phone numbers", "PROBLEM", f"PHONE_NUMBER does not import: {error}", "fix PHONE_NUMBER"
        )
    tally = Tally()
    try:
        with _without_invalid_number_log():
            for user in _users().iterator(chunk_size=USER_CHUNK_SIZE):
                tally.add(user)
    except DatabaseError as error:
        return Finding(
            "phone numbers", "PROBLEM", f"cannot read the users: {error}", "check the database"
        )
    return _users_finding(tally)


@dataclass
class Tally:
    """Users with and without a usable number, and the first few without one."""

    usable: int = 0
    unusable: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, user: AbstractBaseUser) -> None:
        reason = _why_unusable(user)
        if reason is None:
            self.usable += 1
            return
        self.unusable += 1
        if len(self.examples) < USER_EXAMPLES:
            self.examples.append(f"id={user.pk} {user.get_username()!r}: {reason}")


def _users() -> QuerySet[Any]:
    """All users, with only the columns the phone number needs when PHONE_NUMBER is a field."""
    model = get_user_model()
    users = model._default_manager.order_by("pk")
    fields = _fields_needed(model)
    return users.only(*fields) if fields else users


def _fields_needed(model: type[Model]) -> list[str] | None:
    source = app_settings.PHONE_NUMBER
    field_names = {model_field.name for model_field in model._meta.concrete_fields}
    # A callable or a property may read any column.
    if "." in source or source not in field_names:
        return None
    username = getattr(model, "USERNAME_FIELD", "username")
    return sorted({model._meta.pk.name, username, source} & field_names)


def _why_unusable(user: AbstractBaseUser) -> str | None:
    try:
        if phone_number(user):
            return None
        raw = phone_number_source()(user)
    except Exception as error:  # a site's own PHONE_NUMBER callable
        return f"PHONE_NUMBER failed: {type(error).__name__}"
    if not raw:
        return "no number"
    return f"not E.164: {mask_phone(str(raw))}"


def _users_finding(tally: Tally) -> Finding:
    total = tally.usable + tally.unusable
    counts = f"{tally.usable} of {total} users with a usable number, {tally.unusable} without"
    if tally.unusable == 0:
        return Finding("phone numbers", "OK", counts)
    source, examples = app_settings.PHONE_NUMBER, tuple(tally.examples)
    if tally.usable == 0:
        return Finding(
            "phone numbers",
            "PROBLEM",
            counts,
            fix=f"PHONE_NUMBER ({source!r}) gives no user an E.164 number like +64211234567",
            details=examples,
        )
    return Finding(
        "phone numbers",
        "WARNING",
        counts,
        fix="they cannot get a code: add E.164 numbers (+64211234567)",
        details=examples,
    )


@contextlib.contextmanager
def _without_invalid_number_log() -> Iterator[None]:
    """phone_number() logs every invalid number, as it should at a login; the doctor counts them."""

    def keep(record: logging.LogRecord) -> bool:
        fields = getattr(record, "authsignal_sms", None)
        return not (isinstance(fields, dict) and fields.get("event") == "phone_number_invalid")

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)
