"""The helpers integrators' tests call on the server: enroll_sms, pass_challenge,
django_settings, and the plugin's per-test fixture pointing the app at the emulator."""

from __future__ import annotations

import pytest
from authsignal.client import AuthsignalClient
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY

from django_authsignal_sms.testing import ChallengeFailed, EmulatorServer
from tests.conftest import log_in
from tests.emulator_fixtures import EMULATOR_SECRET_KEY, EMULATOR_TENANT_ID, PHONE, enroll

WHATSAPP_TOO = {"allowedVerificationMethods": ["SMS", "WHATSAPP"]}


def test_enroll_sms_gives_a_verified_sms_authenticator(emulator, sdk):
    enrolled = emulator.enroll_sms("u1", PHONE)
    assert enrolled["verificationMethod"] == "SMS" and enrolled["phoneNumber"] == PHONE
    assert enrolled["verifiedAt"] and enrolled["isDefault"] is True
    [listed] = sdk.get_authenticators("u1")
    assert listed["user_authenticator_id"] == enrolled["userAuthenticatorId"]
    tracked = sdk.track("u1", "signIn")
    assert (tracked["state"], tracked["is_enrolled"]) == ("CHALLENGE_REQUIRED", True)
    assert emulator.outbox() == []
    assert emulator.stats()["requests"]["enroll_authenticator"] == 0


def test_enroll_sms_replaces_the_number_and_checks_it(emulator, sdk):
    emulator.enroll_sms(42, PHONE)
    emulator.enroll_sms("42", "+64219999999")
    assert [a["phone_number"] for a in sdk.get_authenticators("42")] == ["+64219999999"]
    with pytest.raises(ValueError, match="E.164"):
        emulator.enroll_sms("42", "021 123 4567")


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_pass_challenge_returns_a_token_that_validates(emulator, sdk, channel):
    emulator.set_rules(WHATSAPP_TOO)
    enroll(sdk)
    tracked = sdk.track("u1", "signIn")
    token = emulator.pass_challenge(tracked["token"], channel=channel)
    assert token != tracked["token"] and token.startswith("eyJ")
    validated = sdk.validate_challenge({"token": token, "userId": "u1", "action": "signIn"})
    assert (validated["is_valid"], validated["state"]) == (True, "CHALLENGE_SUCCEEDED")
    assert validated["verification_method"] == channel.upper()
    assert validated["idempotency_key"] == tracked["idempotency_key"]
    [message] = emulator.outbox()
    assert (message["channel"], message["to"]) == (channel.upper(), PHONE)
    requests = emulator.stats()["requests"]
    assert requests[f"{channel}_challenge"] == requests[f"{channel}_verify"] == 1


def test_pass_challenge_verifies_the_code_it_sent_not_an_older_one(emulator, sdk):
    enroll(sdk)
    enroll(sdk, "u2")
    first = sdk.track("u1", "signIn")["token"]
    other = sdk.track("u2", "signIn")["token"]
    emulator.pass_challenge(first)
    emulator.pass_challenge(other)
    assert emulator.pass_challenge(first)
    assert [m["userId"] for m in emulator.outbox()] == ["u1", "u2", "u1"]


def test_pass_challenge_says_why_it_failed(emulator, sdk):
    unenrolled = sdk.track("u1", "signIn")["token"]
    with pytest.raises(ChallengeFailed, match="sent no code.*no verified SMS authenticator"):
        emulator.pass_challenge(unenrolled)
    with pytest.raises(ChallengeFailed, match="expired_token"):
        emulator.pass_challenge("not-a-token")
    enroll(sdk)
    token = sdk.track("u1", "signIn")["token"]
    emulator.set_fault("status:503", routes=["sms_verify"], count=1)
    with pytest.raises(ChallengeFailed, match="not verified.*service_unavailable"):
        emulator.pass_challenge(token)
    emulator.set_fault("refuse", routes=["sms_challenge"], count=1)
    with pytest.raises(ChallengeFailed, match="POST /v1/client/challenge/sms failed"):
        emulator.pass_challenge(token)
    with pytest.raises(ValueError, match="channel"):
        emulator.pass_challenge(token, channel="email")
    assert emulator.pass_challenge(token)


def test_pass_challenge_needs_a_running_server():
    server = EmulatorServer(
        secret_key=EMULATOR_SECRET_KEY, tenant_id=EMULATOR_TENANT_ID, enabled=True
    )
    with pytest.raises(RuntimeError, match="not serving"):
        server.pass_challenge("token")
    server.start()
    server.enroll_sms("u1", PHONE)
    sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=server.base_url)
    assert server.pass_challenge(sdk.track("u1", "signIn")["token"])
    server.stop()
    with pytest.raises(RuntimeError, match="not serving"):
        server.pass_challenge("token")


def test_pass_challenge_is_an_assertion_error():
    assert issubclass(ChallengeFailed, AssertionError)


def test_django_settings_point_the_app_at_the_server(emulator):
    assert emulator.django_settings() == {
        "AUTHSIGNAL_API_URL": emulator.base_url,
        "AUTHSIGNAL_SECRET_KEY": EMULATOR_SECRET_KEY,
        "AUTHSIGNAL_TENANT_ID": EMULATOR_TENANT_ID,
    }


def test_the_fixture_points_the_app_at_the_emulator(authsignal_emulator, settings):
    assert authsignal_emulator.base_url == django_settings.AUTHSIGNAL_API_URL
    settings.AUTHSIGNAL_SMS = {"TIMEOUT": 1}  # the test's own changes go through the same undo


def test_after_the_fixture_the_settings_are_back(settings):
    assert django_settings.AUTHSIGNAL_API_URL == "https://authsignal.test/v1"
    assert django_settings.AUTHSIGNAL_SMS == {"MAX_PENDING_PER_USER": 0, "MAX_PENDING_PER_IP": 0}


def test_pass_challenge_signs_in_through_the_app(client, user, authsignal_emulator):
    """What an integrator's test does: log in, follow to the code page, pass, post the token."""
    page = client.get(log_in(client)["Location"])
    assert page.status_code == 200
    token = authsignal_emulator.pass_challenge(page.context["token"])
    response = client.post("/mfa/callback/", {"token": token})
    assert response["Location"] == "/protected/"
    assert client.session[SESSION_KEY] == str(user.pk)
    # A never-enrolled user: the app enrolled the number on file before the code was sent.
    assert [m["to"] for m in authsignal_emulator.outbox()] == [user.phone_number]
