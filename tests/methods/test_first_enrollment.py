"""First enrollment of the email on file: a never-enrolled user with no usable number gets the
address on file enrolled server-side when the site enables email codes, then a code by email
(Authsignal faked with ``responses``)."""

from __future__ import annotations

import json
import logging

import pytest
import responses
from django.contrib.auth import SESSION_KEY

from django_authsignal_sms import methods
from tests.conftest import (
    API,
    PASSWORD,
    SIGNED_IN_AS_ALICE,
    log_in,
    pending_mark,
    refusal_page,
)
from tests.methods.conftest import enable
from tests.test_challenge_page import data

pytestmark = pytest.mark.django_db

TRACK = f"{API}/users/{{}}/actions/signIn"
AUTHENTICATORS = f"{API}/users/{{}}/authenticators"
ENROLLED_AT = "2026-11-26T10:00:00.000Z"
VERIFIED_LATER = "2026-11-26T10:01:30.000Z"
ON_FILE = "alice@example.com"
ATTACKER = "mallory@example.net"


def track_reply(state, enrolled_with=(), idem="idem-1"):
    return {
        "state": state,
        "idempotencyKey": idem,
        "token": f"track-token-{idem}",
        "isEnrolled": bool(enrolled_with),
        "enrolledVerificationMethods": list(enrolled_with),
        "allowedVerificationMethods": ["SMS", "EMAIL_OTP"],
    }


def email_authenticator(user, last_verified_at=ENROLLED_AT, authenticator_id="email-1"):
    return {
        "userId": str(user.pk),
        "userAuthenticatorId": authenticator_id,
        "verificationMethod": "EMAIL_OTP",
        "createdAt": ENROLLED_AT,
        "verifiedAt": ENROLLED_AT,
        "lastVerifiedAt": last_verified_at,
        "email": ON_FILE,
    }


def sms_authenticator(user):
    return {
        "userId": str(user.pk),
        "userAuthenticatorId": "auth-1",
        "verificationMethod": "SMS",
        "lastVerifiedAt": ENROLLED_AT,
        "phoneNumber": "+15005550006",
    }


def first_login(authsignal, user, then="CHALLENGE_REQUIRED", enrolled=None):
    """A never-enrolled user, Authsignal's answer after the enrollment, and the enrollment."""
    mock = authsignal.mock
    url = TRACK.format(user.pk)
    mock.add(responses.POST, url, json=track_reply("ALLOW"))
    method = (enrolled or email_authenticator(user))["verificationMethod"]
    mock.add(responses.POST, url, json=track_reply(then, [method], idem="idem-2"))
    mock.add(
        responses.POST,
        AUTHENTICATORS.format(user.pk),
        json={"authenticator": enrolled or email_authenticator(user)},
    )


@pytest.fixture
def no_number(user, settings):
    """alice has her email on file and no number; the site enables SMS and email codes."""
    enable(settings, "SMS", "EMAIL_OTP")
    user.phone_number = ""
    user.save()
    return user


def enrollment_bodies(authsignal):
    return [
        json.loads(call.request.body)
        for call in authsignal.calls_to("/authenticators")
        if call.request.method == "POST"
    ]


def test_the_email_on_file_is_enrolled_and_the_login_held_for_an_email_code(
    client, no_number, authsignal, caplog
):
    first_login(authsignal, no_number)
    with caplog.at_level(logging.INFO, "django_authsignal_sms"):
        response = log_in(client, next_url="/protected/")
    assert response["Location"] == "/mfa/challenge/?next=%2Fprotected%2F"
    assert SESSION_KEY not in client.session
    assert enrollment_bodies(authsignal) == [{"verificationMethod": "EMAIL_OTP", "email": ON_FILE}]
    assert len(authsignal.calls_to("/actions/signIn")) == 2
    mark = pending_mark(client)
    assert mark["idempotency_key"] == "idem-2"
    assert mark["authenticator_id"] == "email-1"
    assert mark["verified_baseline"] == ENROLLED_AT
    assert mark["methods"] == ["EMAIL_OTP"]
    assert mark["confirm_allow"] is False
    code_page = client.get("/mfa/challenge/")
    assert data(code_page, "channel") == "email"
    assert "Your one-time code goes by email" in code_page.content.decode()
    events = [r.authsignal_sms["event"] for r in caplog.records if hasattr(r, "authsignal_sms")]
    assert "email_enrolled" in events


def test_an_email_code_completes_the_first_login(client, no_number, authsignal):
    first_login(authsignal, no_number)
    log_in(client, next_url="/protected/")
    authsignal.on_validate(
        str(no_number.pk), idempotencyKey="idem-2", verificationMethod="EMAIL_OTP"
    )
    response = client.post("/mfa/callback/", {"token": "verified"})
    assert response["Location"] == "/protected/"
    assert client.get("/protected/").content.count(SIGNED_IN_AS_ALICE) == 1


# When the second track says ALLOW: the proof is the enrolled email authenticator's record.


@pytest.fixture
def confirming(client, no_number, authsignal):
    first_login(authsignal, no_number, then="ALLOW")
    log_in(client, next_url="/protected/")
    assert pending_mark(client)["confirm_allow"] is True
    reply = {
        "isValid": True,
        "state": "ALLOW",
        "userId": str(no_number.pk),
        "action": "signIn",
        "idempotencyKey": "idem-2",
        "verificationMethod": "EMAIL_OTP",
    }
    authsignal.mock.upsert(responses.POST, f"{API}/validate", json=reply)
    return client


def answer_authenticators(authsignal, user, *authenticators):
    authsignal.mock.upsert(responses.GET, AUTHENTICATORS.format(user.pk), json=list(authenticators))


def test_allow_after_the_email_enrollment_completes_once_the_email_verified(
    confirming, no_number, authsignal
):
    answer_authenticators(authsignal, no_number, email_authenticator(no_number, VERIFIED_LATER))
    response = confirming.post("/mfa/callback/", {"token": "verified"})
    assert response["Location"] == "/protected/"
    assert confirming.get("/protected/").content.count(SIGNED_IN_AS_ALICE) == 1


def test_allow_after_the_email_enrollment_without_a_verified_code_is_refused(
    confirming, no_number, authsignal
):
    answer_authenticators(
        authsignal,
        no_number,
        email_authenticator(no_number, ENROLLED_AT),
        # Another authenticator's verification proves nothing about the enrolled one.
        email_authenticator(no_number, VERIFIED_LATER, authenticator_id="email-other"),
    )
    response = confirming.post("/mfa/callback/", {"token": "track-token-idem-2"})
    assert response.status_code == 403
    assert SESSION_KEY not in confirming.session


# Who gets which first authenticator


def test_a_user_with_a_number_and_an_email_gets_the_number(client, user, authsignal, settings):
    enable(settings, "SMS", "EMAIL_OTP")
    first_login(authsignal, user, enrolled=sms_authenticator(user))
    log_in(client)
    assert enrollment_bodies(authsignal) == [
        {"verificationMethod": "SMS", "phoneNumber": "+15005550006"}
    ]
    assert pending_mark(client)["channel"] == "sms"


def test_email_listed_before_sms_gets_the_email_first(client, user, authsignal, settings):
    enable(settings, "EMAIL_OTP", "SMS")
    first_login(authsignal, user)
    log_in(client)
    assert enrollment_bodies(authsignal) == [{"verificationMethod": "EMAIL_OTP", "email": ON_FILE}]
    assert pending_mark(client)["channel"] == "email"


def test_without_email_codes_enabled_the_email_is_never_enrolled(client, user, authsignal, sent):
    user.phone_number = ""
    user.save()
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    refusal_page(client, log_in(client))
    assert authsignal.calls_to("/authenticators") == []
    assert [r["reason"] for r in sent["cannot_challenge"]] == ["no_phone"]


@pytest.mark.parametrize("email", ["", "not-an-address", "alice@", "  "])
def test_no_number_and_no_valid_email_gets_the_no_phone_page(
    client, no_number, authsignal, sent, email
):
    no_number.email = email
    no_number.save()
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    page = refusal_page(client, log_in(client))
    assert b"no mobile number for sign-in codes" in page.content
    assert authsignal.calls_to("/authenticators") == []
    assert [r["reason"] for r in sent["cannot_challenge"]] == ["no_phone"]


@pytest.mark.parametrize(
    ("enabled", "order"),
    [
        ((), ("SMS",)),
        (("SMS",), ("SMS",)),
        (("SMS", "EMAIL_OTP"), ("SMS", "EMAIL_OTP")),
        (("WHATSAPP", "EMAIL_OTP", "SMS"), ("SMS", "EMAIL_OTP")),
        (("PASSKEY", "EMAIL_OTP", "SMS"), ("EMAIL_OTP", "SMS")),
        (("EMAIL_OTP",), ("EMAIL_OTP", "SMS")),
    ],
)
def test_the_first_enrollment_follows_methods(settings, enabled, order):
    if enabled:
        enable(settings, *enabled)
    assert methods.first_enrollment() == order


# Failures and attacks


def test_an_outage_during_the_email_enrollment_fails_closed(client, no_number, authsignal):
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    authsignal.mock.add(
        responses.POST,
        AUTHENTICATORS.format(no_number.pk),
        status=503,
        json={"error": "unavailable", "errorCode": "unavailable", "errorDescription": "down"},
    )
    page = refusal_page(client, log_in(client))
    assert b"could not check this sign-in" in page.content
    assert len(authsignal.calls_to("/actions/signIn")) == 1


def test_an_enroll_reply_without_an_email_authenticator_fails_closed(client, no_number, authsignal):
    first_login(authsignal, no_number, enrolled=sms_authenticator(no_number))
    page = refusal_page(client, log_in(client))
    assert b"could not check this sign-in" in page.content


def test_only_the_address_on_file_is_ever_enrolled(client, no_number, authsignal):
    """Whatever the login request carries, the enrollment's address is the one on file."""
    first_login(authsignal, no_number)
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "email": ATTACKER},
        HTTP_X_EMAIL=ATTACKER,
    )
    assert enrollment_bodies(authsignal) == [{"verificationMethod": "EMAIL_OTP", "email": ON_FILE}]
    assert all(ATTACKER not in str(call.request.body) for call in authsignal.mock.calls)
