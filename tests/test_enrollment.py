"""First enrollment: the enrollment policy, the number on file bound by the server, and the
pages for users who cannot get a code (Authsignal faked with ``responses``)."""

from __future__ import annotations

import json
import logging

import pytest
import responses
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.conftest import (
    API,
    SIGNED_IN_AS_ALICE,
    log_in,
    pending_mark,
    refusal_page,
    start_pending,
)

pytestmark = pytest.mark.django_db

TRACK = f"{API}/users/{{}}/actions/signIn"
AUTHENTICATORS = f"{API}/users/{{}}/authenticators"
ENROLLED_AT = "2026-11-26T10:00:00.000Z"
VERIFIED_LATER = "2026-11-26T10:01:30.000Z"


def track_reply(state, enrolled, methods=("SMS",), idem="idem-1", token="track-token-1"):
    return {
        "state": state,
        "idempotencyKey": idem,
        "token": token,
        "url": "https://authsignal.test/challenge",
        "isEnrolled": enrolled,
        "enrolledVerificationMethods": list(methods) if enrolled else [],
        "allowedVerificationMethods": ["SMS"],
    }


def sms_authenticator(user, phone="+15005550006", last_verified_at=ENROLLED_AT):
    return {
        "userId": str(user.pk),
        "userAuthenticatorId": "auth-1",
        "verificationMethod": "SMS",
        "createdAt": ENROLLED_AT,
        "verifiedAt": ENROLLED_AT,
        "lastVerifiedAt": last_verified_at,
        "phoneNumber": phone,
    }


def first_login(authsignal, user, then="CHALLENGE_REQUIRED"):
    """Authsignal's documented answers for a never-enrolled user, then after the enrollment."""
    mock = authsignal.mock
    url = TRACK.format(user.pk)
    mock.add(responses.POST, url, json=track_reply("ALLOW", enrolled=False))
    mock.add(responses.POST, url, json=track_reply(then, enrolled=True, idem="idem-2"))
    mock.add(
        responses.POST,
        AUTHENTICATORS.format(user.pk),
        json={"authenticator": sms_authenticator(user)},
    )


def test_a_never_enrolled_user_is_enrolled_with_the_number_on_file_and_held(
    client, user, authsignal, sent
):
    first_login(authsignal, user)
    response = log_in(client, next_url="/protected/")
    assert response["Location"] == "/mfa/challenge/?next=%2Fprotected%2F"
    assert SESSION_KEY not in client.session
    [enroll] = authsignal.calls_to("/authenticators")
    assert json.loads(enroll.request.body) == {
        "verificationMethod": "SMS",
        "phoneNumber": "+15005550006",
    }
    assert len(authsignal.calls_to("/actions/signIn")) == 2
    mark = pending_mark(client)
    assert mark["idempotency_key"] == "idem-2"
    assert mark["authenticator_id"] == "auth-1"
    assert mark["confirm_allow"] is False
    assert sent["sms_enrolled"][0]["masked_phone"] == "+15*******06"


def test_allow_after_the_enrollment_still_needs_a_code(client, user, authsignal):
    first_login(authsignal, user, then="ALLOW")
    response = log_in(client)
    assert response["Location"].startswith("/mfa/challenge/")
    assert SESSION_KEY not in client.session
    assert pending_mark(client)["confirm_allow"] is True
    assert client.get("/protected/")["Location"].startswith("/mfa/challenge/")


@pytest.mark.parametrize("then", ["BLOCK", "REVIEW_REQUIRED"])
def test_a_refusal_after_the_enrollment_is_a_refusal(client, user, authsignal, then):
    first_login(authsignal, user, then=then)
    assert log_in(client)["Location"] == "/mfa/denied/"
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("state", ["BLOCK", "REVIEW_REQUIRED"])
def test_a_refused_never_enrolled_user_is_not_enrolled(client, user, authsignal, state):
    authsignal.on_track(state, isEnrolled=False, enrolledVerificationMethods=[])
    assert log_in(client)["Location"] == "/mfa/denied/"
    assert authsignal.calls_to("/authenticators") == []


def test_the_enrollment_failing_fails_closed(client, user, authsignal):
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    authsignal.mock.add(
        responses.POST,
        AUTHENTICATORS.format(user.pk),
        status=503,
        json={"error": "unavailable", "errorCode": "unavailable", "errorDescription": "down"},
    )
    response = log_in(client)
    assert response["Location"] == "/mfa/denied/"
    assert b"could not check this sign-in" in client.get("/mfa/denied/").content
    assert SESSION_KEY not in client.session


def test_policy_none_lets_a_never_enrolled_user_in(client, user, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {"REQUIRE_ENROLLMENT": "none"}
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    log_in(client)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert authsignal.calls_to("/authenticators") == []


def test_policy_staff_holds_staff_only(client, user, staff, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {"REQUIRE_ENROLLMENT": "staff"}
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    log_in(client)
    assert client.session[SESSION_KEY] == str(user.pk)
    other = client.__class__()
    first_login(authsignal, staff)
    assert log_in(other, "root")["Location"].startswith("/mfa/challenge/")
    assert SESSION_KEY not in other.session


def only_alice(user):
    return user.username == "alice"


def test_policy_can_be_a_function(client, user, staff, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {"REQUIRE_ENROLLMENT": "tests.test_enrollment.only_alice"}
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    log_in(client.__class__(), "root")
    assert authsignal.calls_to("/authenticators") == []
    first_login(authsignal, user)
    assert log_in(client)["Location"].startswith("/mfa/challenge/")


def test_challenge_required_for_a_never_enrolled_user_enrolls_under_any_policy(
    client, user, authsignal, settings
):
    settings.AUTHSIGNAL_SMS = {"REQUIRE_ENROLLMENT": "none"}
    mock = authsignal.mock
    url = TRACK.format(user.pk)
    mock.add(responses.POST, url, json=track_reply("CHALLENGE_REQUIRED", enrolled=False))
    mock.add(responses.POST, url, json=track_reply("CHALLENGE_REQUIRED", enrolled=True))
    mock.add(
        responses.POST,
        AUTHENTICATORS.format(user.pk),
        json={"authenticator": sms_authenticator(user)},
    )
    assert log_in(client)["Location"].startswith("/mfa/challenge/")
    assert len(authsignal.calls_to("/authenticators")) == 1


def test_no_number_on_file_gets_a_clear_page(client, user, authsignal, sent, caplog, settings):
    settings.AUTHSIGNAL_SMS = {"HELP_URL": "https://help.example.com/phone"}
    user.phone_number = ""
    user.save()
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    with caplog.at_level(logging.WARNING, "django_authsignal_sms"):
        response = log_in(client)
    page = refusal_page(client, response)
    assert b"no mobile number for sign-in codes" in page.content
    assert b'href="https://help.example.com/phone"' in page.content
    assert authsignal.calls_to("/authenticators") == []
    assert [r["reason"] for r in sent["cannot_challenge"]] == ["no_phone"]
    records = [r.authsignal_sms for r in caplog.records if hasattr(r, "authsignal_sms")]
    assert [(r["event"], r["reason"]) for r in records] == [("cannot_challenge", "no_phone")]


def test_a_number_that_is_not_e164_counts_as_none(client, user, authsignal, sent):
    user.phone_number = "0211234567"
    user.save()
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    log_in(client)
    assert [r["reason"] for r in sent["cannot_challenge"]] == ["no_phone"]


def test_a_user_enrolled_only_with_another_method_gets_the_sms_only_page(
    client, user, authsignal, sent
):
    authsignal.on_track("CHALLENGE_REQUIRED", enrolledVerificationMethods=["EMAIL_OTP"])
    assert log_in(client)["Location"] == "/mfa/denied/"
    page = client.get("/mfa/denied/")
    assert b"signs in with text-message codes" in page.content
    assert [r["reason"] for r in sent["cannot_challenge"]] == ["sms_only"]
    assert authsignal.calls_to("/authenticators") == []


def test_allow_for_a_user_enrolled_with_another_method_completes(client, user, authsignal):
    authsignal.on_track("ALLOW", enrolledVerificationMethods=["PASSKEY"])
    log_in(client)
    assert client.session[SESSION_KEY] == str(user.pk)


# The callback for a code verified on an action Authsignal tracked as ALLOW (the first enrollment
# when the rules allow): validate's answer is undocumented, so each plausible one is tested.


@pytest.fixture
def confirming(client, user, authsignal):
    first_login(authsignal, user, then="ALLOW")
    log_in(client, next_url="/protected/")
    return client


def validate_reply(user, state, valid):
    return {
        "isValid": valid,
        "state": state,
        "userId": str(user.pk),
        "action": "signIn",
        "idempotencyKey": "idem-2",
        "verificationMethod": "SMS",
    }


def answer_authenticators(authsignal, user, last_verified_at):
    authsignal.mock.upsert(
        responses.GET,
        AUTHENTICATORS.format(user.pk),
        json=[sms_authenticator(user, last_verified_at=last_verified_at)],
    )


@pytest.mark.parametrize(
    ("state", "valid"), [("CHALLENGE_SUCCEEDED", True), ("ALLOW", True), ("ALLOW", False)]
)
def test_a_verified_code_completes_the_first_login_whatever_validate_says(
    confirming, user, authsignal, state, valid
):
    authsignal.mock.upsert(
        responses.POST, f"{API}/validate", json=validate_reply(user, state, valid)
    )
    answer_authenticators(authsignal, user, VERIFIED_LATER)
    response = confirming.post("/mfa/callback/", {"token": "verified"})
    assert response["Location"] == "/protected/"
    assert confirming.get("/protected/").content.count(SIGNED_IN_AS_ALICE) == 1


@pytest.mark.parametrize("valid", [True, False])
def test_an_allow_answer_without_a_verified_code_is_refused(confirming, user, authsignal, valid):
    authsignal.mock.upsert(
        responses.POST, f"{API}/validate", json=validate_reply(user, "ALLOW", valid)
    )
    answer_authenticators(authsignal, user, ENROLLED_AT)
    response = confirming.post("/mfa/callback/", {"token": "track-token-1"})
    assert response.status_code == 403
    assert b"not completed" in response.content
    assert SESSION_KEY not in confirming.session


def test_an_allow_answer_for_another_login_is_refused(confirming, user, authsignal):
    reply = {**validate_reply(user, "ALLOW", True), "idempotencyKey": "someone-elses"}
    authsignal.mock.upsert(responses.POST, f"{API}/validate", json=reply)
    answer_authenticators(authsignal, user, VERIFIED_LATER)
    assert confirming.post("/mfa/callback/", {"token": "t"}).status_code == 403
    assert authsignal.calls_to("/authenticators")[-1].request.method == "POST"


def test_an_allow_answer_never_completes_an_ordinary_challenge(client, user, authsignal):
    start_pending(client, authsignal)
    authsignal.on_validate(str(user.pk), state="ALLOW")
    answer_authenticators(authsignal, user, VERIFIED_LATER)
    assert client.post("/mfa/callback/", {"token": "t"}).status_code == 403
    assert SESSION_KEY not in client.session


# The number on file and the enrolled number


def complete_login(client, user, authsignal):
    start_pending(client, authsignal)
    authsignal.on_validate(str(user.pk))
    return client.post("/mfa/callback/", {"token": "verified"})


def test_a_changed_number_on_file_is_logged_and_signalled(client, user, authsignal, sent):
    cache.clear()
    answer_authenticators(authsignal, user, ENROLLED_AT)
    user.phone_number = "+15005550099"
    user.save()
    response = complete_login(client, user, authsignal)
    assert response["Location"] == "/protected/"
    [mismatch] = sent["phone_mismatch"]
    assert mismatch["masked_phone"] == "+15*******99"
    assert mismatch["masked_enrolled"] == ["+15*******06"]


def test_a_matching_number_is_checked_once(client, user, authsignal, sent):
    cache.clear()
    answer_authenticators(authsignal, user, ENROLLED_AT)
    complete_login(client, user, authsignal)
    client.logout()
    complete_login(client, user, authsignal)
    assert sent["phone_mismatch"] == []
    lookups = [c for c in authsignal.calls_to("/authenticators") if c.request.method == "GET"]
    assert len(lookups) == 1


# Checks


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        ("everyone", "is neither"),
        ("tests.nowhere.policy", "does not import"),
        ("tests.conftest.PASSWORD", "is not callable"),
    ],
)
def test_a_bad_policy_fails_the_check(settings, policy, problem):
    settings.AUTHSIGNAL_SMS = {"REQUIRE_ENROLLMENT": policy}
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "authsignal_sms.E007" in str(raised.value)
    assert problem in str(raised.value)


@pytest.mark.parametrize("policy", ["all", "staff", "none", "tests.test_enrollment.only_alice"])
def test_good_policies_pass_the_check(settings, policy):
    settings.AUTHSIGNAL_SMS = {"REQUIRE_ENROLLMENT": policy}
    call_command("check")


def test_on_review_challenge_is_refused_with_a_reason(settings):
    settings.AUTHSIGNAL_SMS = {"ON_REVIEW": "challenge"}
    with pytest.raises(SystemCheckError, match="can no longer be 'challenge'"):
        call_command("check")
