"""The offer to add a passkey after a sign-in with a code: a token able to add an authenticator
is tracked only for the session that has just completed a challenge, once, for a short while
(attack tests)."""

from __future__ import annotations

import json
import re

import pytest
import responses
from django.test import Client

from django_authsignal_sms.passkey_offer import MARK_KEY
from tests.conftest import API
from tests.methods.conftest import enable, hold

pytestmark = pytest.mark.django_db

TOKEN_URL = "/mfa/passkey/token/"
ADD_URL = re.compile(rf"{re.escape(API)}/users/[^/]+/actions/addPasskey")


@pytest.fixture
def add_passkey_action(authsignal):
    authsignal.mock.upsert(
        responses.POST,
        ADD_URL,
        json={
            "state": "CHALLENGE_REQUIRED",
            "idempotencyKey": "idem-add",
            "token": "add-token",
            "isEnrolled": True,
            "enrolledVerificationMethods": ["SMS"],
            "allowedVerificationMethods": ["SMS", "PASSKEY"],
        },
    )


def signed_in_with_a_code(client, user, authsignal, settings, method="SMS"):
    enable(settings, "PASSKEY", "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["SMS", "EMAIL_OTP"])
    authsignal.on_validate(str(user.pk), verificationMethod=method)
    return client.post("/mfa/callback/", {"token": "verified-token"})


def tracked_adds(authsignal):
    return [
        json.loads(call.request.body)
        for call in authsignal.mock.calls
        if "addPasskey" in call.request.url
    ]


def test_a_sign_in_with_a_code_offers_a_passkey_once(
    client, user, authsignal, settings, add_passkey_action
):
    response = signed_in_with_a_code(client, user, authsignal, settings)
    assert response["Location"] == "/mfa/passkey/?next=%2Fprotected%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'id="authsignal-sms-add-passkey"' in page.content
    answer = client.post(TOKEN_URL)
    assert answer.json() == {"token": "add-token", "username": "alice", "displayName": "alice"}
    assert tracked_adds(authsignal) == [{"scope": "add:authenticators"}]
    replay = client.post(TOKEN_URL)
    assert (replay.status_code, replay.json()) == (403, {"code": "no_offer"})
    assert len(tracked_adds(authsignal)) == 1
    assert client.get("/mfa/passkey/?next=/protected/")["Location"] == "/protected/"


def test_without_a_completed_challenge_there_is_no_token(
    client, user, authsignal, add_passkey_action
):
    client.force_login(user)
    answer = client.post(TOKEN_URL)
    assert (answer.status_code, answer.json()) == (403, {"code": "no_offer"})
    assert tracked_adds(authsignal) == []


def test_a_stale_offer_gives_no_token(
    client, user, authsignal, settings, add_passkey_action, monkeypatch
):
    signed_in_with_a_code(client, user, authsignal, settings)
    session = client.session
    session[MARK_KEY] = {**session[MARK_KEY], "until": session[MARK_KEY]["until"] - 301}
    session.save()
    assert client.post(TOKEN_URL).status_code == 403
    assert tracked_adds(authsignal) == []


def test_another_session_of_the_same_user_gets_no_token(
    client, user, authsignal, settings, add_passkey_action
):
    signed_in_with_a_code(client, user, authsignal, settings)
    other = Client()
    other.force_login(user)
    assert other.post(TOKEN_URL).status_code == 403
    assert tracked_adds(authsignal) == []


def test_a_mark_for_another_user_gives_no_token(
    client, user, staff, authsignal, settings, add_passkey_action
):
    signed_in_with_a_code(client, user, authsignal, settings)
    session = client.session
    session[MARK_KEY] = {**session[MARK_KEY], "user_id": str(staff.pk)}
    session.save()
    assert client.post(TOKEN_URL).status_code == 403


def test_a_user_who_has_a_passkey_is_not_offered_another(client, user, authsignal, settings):
    enable(settings, "PASSKEY", "SMS")
    hold(client, authsignal, ["SMS", "PASSKEY"])
    authsignal.on_validate(str(user.pk))
    assert client.post("/mfa/callback/", {"token": "t"})["Location"] == "/protected/"
    assert MARK_KEY not in client.session


def test_no_offer_when_passkeys_are_not_enabled(client, user, authsignal, settings):
    hold(client, authsignal, ["SMS"])
    authsignal.on_validate(str(user.pk))
    assert client.post("/mfa/callback/", {"token": "t"})["Location"] == "/protected/"
    assert MARK_KEY not in client.session


def test_the_offer_is_only_for_a_signed_in_user(client, user, authsignal, settings):
    signed_in_with_a_code(client, user, authsignal, settings)
    client.logout()
    assert Client().post(TOKEN_URL).status_code in (302, 403)
