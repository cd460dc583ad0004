"""The callback accepts a token verified by a method the site enabled and offered, and only
that: a token verified any other way is refused (attack tests)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from tests.conftest import pending_mark
from tests.methods.conftest import enable, hold

pytestmark = pytest.mark.django_db


def finish(client):
    return client.post("/mfa/callback/", {"token": "verified-token"})


@pytest.mark.parametrize("method", ["PASSKEY", "EMAIL_OTP"])
def test_an_enabled_and_offered_method_completes_the_login(
    client, user, authsignal, settings, method
):
    enable(settings, "SMS", method)
    hold(client, authsignal, ["SMS", method])
    authsignal.on_validate(str(user.pk), verificationMethod=method)
    response = finish(client)
    assert response["Location"] == "/protected/"
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize("method", ["PASSKEY", "EMAIL_OTP", "WHATSAPP", "AUTHENTICATOR_APP"])
def test_a_token_validated_for_a_method_the_site_did_not_enable_is_refused(
    client, user, authsignal, method, sent
):
    hold(client, authsignal, ["SMS", "PASSKEY", "EMAIL_OTP"])
    authsignal.on_validate(str(user.pk), verificationMethod=method)
    response = finish(client)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert sent["challenge_failed"][-1]["reason"] == "wrong_method"


def test_a_method_enabled_but_not_offered_for_this_login_is_refused(
    client, user, authsignal, settings, sent
):
    enable(settings, "SMS", "PASSKEY")
    hold(client, authsignal, ["SMS"])  # no passkey: the page never offered one
    authsignal.on_validate(str(user.pk), verificationMethod="PASSKEY")
    assert finish(client).status_code == 403
    assert sent["challenge_failed"][-1]["reason"] == "wrong_method"


def test_a_method_turned_off_after_the_code_page_opened_is_refused(
    client, user, authsignal, settings, sent
):
    enable(settings, "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["SMS", "EMAIL_OTP"])
    assert pending_mark(client)["methods"] == ["SMS", "EMAIL_OTP"]
    enable(settings, "SMS")
    authsignal.on_validate(str(user.pk), verificationMethod="EMAIL_OTP")
    assert finish(client).status_code == 403
    assert SESSION_KEY not in client.session
