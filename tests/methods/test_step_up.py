"""A step-up works with every enabled method: the page offers it, the callback accepts a token
verified with it, and refuses one verified with a method the site did not enable."""

from __future__ import annotations

import re

import pytest

from django_authsignal_sms.stepup.state import DONE_KEY
from tests.methods.conftest import ALL, enable
from tests.stepup.conftest import complete, pending_of

pytestmark = pytest.mark.django_db

EMAIL = "/stepup-tests/email/"
# What a user needs for each method: WhatsApp codes go to the SMS authenticator's number.
HAS = {"PASSKEY": "PASSKEY", "SMS": "SMS", "WHATSAPP": "SMS", "EMAIL_OTP": "EMAIL_OTP"}
NAMES = {"PASSKEY": "passkey", "SMS": "sms", "WHATSAPP": "whatsapp", "EMAIL_OTP": "email"}


def step_up_for(alice, rules, settings, method, enabled=ALL):
    enable(settings, *enabled)
    rules.states.update(changeEmail="CHALLENGE_REQUIRED")
    rules.methods = ALL
    rules.enrolled = [HAS[method]]
    assert alice.get(EMAIL)["Location"] == "/mfa/step-up/"
    return alice


@pytest.mark.parametrize("method", ALL)
def test_a_step_up_with_each_method(alice, rules, authority, settings, method):
    step_up_for(alice, rules, settings, method)
    assert method in pending_of(alice)["methods"]
    html = alice.get("/mfa/step-up/").content.decode()
    assert re.search(rf'data-channel="{NAMES[HAS[method]]}"', html)
    response = complete(alice, authority, verificationMethod=method)
    assert response.status_code == 302 and response["Location"] == EMAIL
    assert list(alice.session[DONE_KEY]) == ["changeEmail"]


@pytest.mark.parametrize("method", ["PASSKEY", "EMAIL_OTP", "WHATSAPP"])
def test_a_step_up_refuses_a_method_the_site_did_not_enable(
    alice, rules, authority, settings, method
):
    step_up_for(alice, rules, settings, "SMS", enabled=["SMS"])
    response = complete(alice, authority, verificationMethod=method)
    assert response.status_code == 403
    assert alice.session.get(DONE_KEY, {}) == {}


def test_the_step_up_api_answer_lists_the_methods(alice, rules, settings):
    enable(settings, *ALL)
    rules.states.update(changeEmail="CHALLENGE_REQUIRED")
    rules.methods = ALL
    rules.enrolled = ["PASSKEY", "EMAIL_OTP"]
    answer = alice.get(EMAIL, HTTP_ACCEPT="application/json")
    assert answer.json()["stepUp"]["methods"] == ["PASSKEY", "EMAIL_OTP"]
