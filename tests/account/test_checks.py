"""The security page's settings are checked like the others: E005 for a wrong type, E015 for a
PHONE_NUMBER_SETTER that cannot run, W012 when a callable PHONE_NUMBER leaves it no field."""

from __future__ import annotations

import pytest

from tests.test_checks import reported

WRONG_VALUES = [
    ("SECURITY_ACTION", "", "E005"),
    ("SECURITY_ACTION", 5, "E005"),
    ("SECURITY_STEP_UP_MAX_AGE", 0, "E005"),
    ("SECURITY_STEP_UP_MAX_AGE", "180", "E005"),
    ("SECURITY_ALLOW_REMOVE", "yes", "E005"),
    ("PHONE_NUMBER_SETTER", 5, "E005"),
    ("PHONE_NUMBER_SETTER", "", "E005"),
    ("PHONE_NUMBER_SETTER", "tests.account.hooks.nothing_here", "E015"),
    ("PHONE_NUMBER_SETTER", "no_such_module.save", "E015"),
    ("PHONE_NUMBER_SETTER", "tests.account.hooks.NOT_CALLABLE", "E015"),
    ("PHONE_NUMBER_SETTER", "..x", "E015"),
]


@pytest.mark.parametrize(("key", "value", "expected"), WRONG_VALUES, ids=repr)
def test_a_wrong_value_is_reported(settings, key, value, expected):
    settings.AUTHSIGNAL_SMS = {key: value}
    assert f"authsignal_sms.{expected}" in reported()


def test_a_setter_that_imports_is_fine(settings):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER_SETTER": "tests.account.hooks.save_elsewhere"}
    assert reported() == []


def test_a_callable_phone_number_needs_a_setter(settings):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": "tests.phones.from_profile"}
    assert reported() == ["authsignal_sms.W012"]
    settings.AUTHSIGNAL_SMS = {
        "PHONE_NUMBER": "tests.phones.from_profile",
        "PHONE_NUMBER_SETTER": "tests.account.hooks.save_elsewhere",
    }
    assert reported() == []


def test_a_phone_number_callable_that_does_not_import_is_e006s_alone(settings):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": "tests.phones.nothing_here"}
    assert reported() == ["authsignal_sms.E006"]
