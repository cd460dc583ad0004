"""The code page offers the methods of the pending login, the default first, with "try another
way"; the resend endpoint sends email codes only when email is offered."""

from __future__ import annotations

import re

import pytest

from tests.conftest import pending_mark
from tests.methods.conftest import ALL, enable, hold
from tests.test_challenge_page import data

pytestmark = pytest.mark.django_db


def page(client):
    return client.get("/mfa/challenge/").content.decode()


def switches(html):
    return re.findall(r'data-switch-to="([a-z]+)"', html)


def test_every_offered_method_is_another_way(client, user, authsignal, settings):
    enable(settings, *ALL)
    hold(client, authsignal, ["SMS", "EMAIL_OTP", "PASSKEY"])
    html = page(client)
    assert switches(html) == ["passkey", "sms", "whatsapp", "email"]
    assert "Try another way:" in html
    assert 'id="authsignal-sms-passkey-start"' in html


def test_the_page_opens_with_the_first_method(client, user, authsignal, settings):
    enable(settings, *ALL)
    hold(client, authsignal, ["SMS", "PASSKEY"])
    response = client.get("/mfa/challenge/")
    assert data(response, "channel") == "passkey"
    html = response.content.decode()
    assert '<div id="authsignal-sms-code-part" hidden>' in html
    assert '<div id="authsignal-sms-passkey-part">' in html
    assert 'data-switch-to="passkey" disabled hidden' in html


def test_an_email_only_user_gets_the_email_code_and_no_other_way(
    client, user, authsignal, settings
):
    enable(settings, "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["EMAIL_OTP"])
    response = client.get("/mfa/challenge/")
    assert data(response, "channel") == "email"
    html = response.content.decode()
    assert switches(html) == []
    assert "Try another way" not in html
    assert 'data-shown-for="email">Your one-time code goes by email' in html


def test_without_methods_the_page_is_as_before(client, user, authsignal):
    hold(client, authsignal, ["SMS", "EMAIL_OTP", "PASSKEY"])
    html = page(client)
    assert switches(html) == []
    assert 'id="authsignal-sms-passkey-part"' not in html
    assert 'data-shown-for="email"' not in html


def test_an_email_code_is_sent_when_email_is_offered(client, user, authsignal, settings):
    enable(settings, "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["SMS", "EMAIL_OTP"])
    answer = client.post("/mfa/resend/", {"first": "1", "channel": "email"})
    assert answer.json()["allowed"] is True
    assert pending_mark(client)["channel"] == "email"


def test_an_email_code_is_refused_when_email_is_not_offered(client, user, authsignal, settings):
    enable(settings, "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["SMS"])
    answer = client.post("/mfa/resend/", {"first": "1", "channel": "email"})
    assert answer.status_code == 400
    assert answer.json()["channels"] == ["sms"]


def test_a_passkey_is_no_channel_for_a_code(client, user, authsignal, settings):
    enable(settings, *ALL)
    hold(client, authsignal, ["SMS", "PASSKEY"])
    answer = client.post("/mfa/resend/", {"first": "1", "channel": "passkey"})
    assert answer.status_code == 400


def test_an_api_client_is_told_the_methods(client, user, authsignal, settings):
    enable(settings, *ALL)
    hold(client, authsignal, ["EMAIL_OTP", "PASSKEY"])
    answer = client.get("/protected/", HTTP_ACCEPT="application/json")
    assert answer.json()["verification"]["methods"] == ["PASSKEY", "EMAIL_OTP"]
