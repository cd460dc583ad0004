"""What the app asks of users: where the phone number comes from (E006, E013) and who must
enroll (E007)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.checks import CheckMessage, Error
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model
from django.utils.module_loading import import_string

from ..conf import ENROLLMENT_POLICIES, _option, app_settings


def check_phone_source(**kwargs: Any) -> list[CheckMessage]:
    source = _option("PHONE_NUMBER")
    if not isinstance(source, str) or "." not in source:
        return []
    try:
        loaded = import_string(source)
    except Exception as exc:  # ImportError, or ValueError/TypeError for ".x"-like paths
        return [
            Error(
                f"AUTHSIGNAL_SMS['PHONE_NUMBER'] {source!r} does not import: {exc}",
                hint="Give a user attribute name or a dotted path to a callable(user).",
                id="authsignal_sms.E006",
            )
        ]
    if not callable(loaded):
        return [
            Error(
                f"AUTHSIGNAL_SMS['PHONE_NUMBER'] {source!r} is not callable.",
                hint="Point it at a function that takes the user and returns a phone number.",
                id="authsignal_sms.E006",
            )
        ]
    return []


def check_phone_attribute(**kwargs: Any) -> list[CheckMessage]:
    """A PHONE_NUMBER that is a plain name must be a field or an attribute of the user model."""
    source = _option("PHONE_NUMBER")
    if not app_settings.ENABLED or not isinstance(source, str) or not source or "." in source:
        return []  # turned off, E005's (not a string), or E006's (a dotted path)
    try:
        user_model = get_user_model()
    except (ImproperlyConfigured, ValueError, LookupError):  # Django reports AUTH_USER_MODEL
        return []
    if _has_field(user_model, source) or _has_attribute(user_model, source):
        return []
    label = user_model._meta.label
    return [
        Error(
            f"AUTHSIGNAL_SMS['PHONE_NUMBER'] is {source!r}, but the user model {label} has no "
            "field or attribute of that name: the app would find no phone number for anyone.",
            hint="Add a phone_number field to your custom user model (a project starts one "
            "before its first migrate), name a field or property it has, or set PHONE_NUMBER to "
            "the dotted path of a callable f(user) -> str | None (e.g. reading a profile).",
            id="authsignal_sms.E013",
        )
    ]


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _has_attribute(model: type[Model], name: str) -> bool:
    """A class attribute: a property, a descriptor, a method."""
    try:
        return hasattr(model, name)
    except Exception:  # a descriptor that raises on the class: it exists all the same
        return True


def check_enrollment_policy(**kwargs: Any) -> list[CheckMessage]:
    policy = _option("REQUIRE_ENROLLMENT")
    if policy in ENROLLMENT_POLICIES:
        return []
    problem = ""
    if not isinstance(policy, str) or "." not in policy:
        problem = "is neither 'all', 'staff', 'none' nor a dotted path"
    else:
        try:
            loaded = import_string(policy)
        except Exception as exc:  # ImportError, or ValueError/TypeError for ".x"-like paths
            problem = f"does not import: {exc}"
        else:
            problem = "" if callable(loaded) else "is not callable"
    if not problem:
        return []
    return [
        Error(
            f"AUTHSIGNAL_SMS['REQUIRE_ENROLLMENT'] {policy!r} {problem}.",
            hint="Use 'all' (the default), 'staff', 'none', or a dotted path to a function "
            "f(user) -> bool saying whether that user must have a second factor.",
            id="authsignal_sms.E007",
        )
    ]
