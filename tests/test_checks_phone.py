"""E013: a PHONE_NUMBER that names an attribute must name one the user model has (a field, a
property); a dotted path is E006's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import registry

from tests.test_checks import reported

E013 = "authsignal_sms.E013"


def e013_message():
    (message,) = [m for m in registry.run_checks() if m.id == E013]
    return message


def test_the_default_phone_number_field_of_the_test_user_model_passes(settings):
    assert "PHONE_NUMBER" not in settings.AUTHSIGNAL_SMS
    assert reported() == []


@pytest.mark.parametrize("name", ["phone_number", "email", "username", "get_full_name", "pk"])
def test_fields_and_attributes_of_the_user_model_pass(settings, name):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": name}
    assert reported() == []


def test_a_property_passes(settings, monkeypatch):
    monkeypatch.setattr(get_user_model(), "mobile", property(lambda user: "+15005550006"), False)
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": "mobile"}
    assert reported() == []


def test_e013_a_name_the_user_model_lacks(settings):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": "mobile"}
    assert reported() == [E013]
    message = e013_message()
    assert "'mobile'" in message.msg and "demo.User" in message.msg
    assert "custom user model" in message.hint and "callable" in message.hint


def test_a_dotted_path_is_not_looked_up_on_the_user_model(settings):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": "tests.phones.nothing_here"}
    assert reported() == ["authsignal_sms.E006"]


def test_e013_is_silent_when_the_step_is_off(settings):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": "mobile", "ENABLED": False}
    assert reported() == []
