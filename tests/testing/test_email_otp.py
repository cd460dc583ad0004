"""Email OTP on the emulator: email.enroll, email.challenge and email.verify as the browser SDK
calls them, the codes in the outbox (channel EMAIL), and email OTP's own rate limits."""

from __future__ import annotations

import pytest

from tests.emulator_fixtures import PHONE, assert_envelope, client_post, enroll, verify, wrong

EMAIL = "jane@example.com"
WITH_EMAIL = {"allowedVerificationMethods": ["SMS", "EMAIL_OTP"]}


@pytest.fixture(autouse=True)
def email_allowed(emulator):
    emulator.set_rules(WITH_EMAIL)


def enroll_email(sdk, user_id="u1", email=EMAIL):
    attributes = {"verificationMethod": "EMAIL_OTP", "email": email}
    return sdk.enroll_verified_authenticator(user_id, attributes)["authenticator"]


def challenge(emulator, token):
    reply = client_post(emulator, token, "challenge/email-otp")
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_enroll_then_verify(emulator, sdk):
    token = sdk.track("u1", "signIn")["token"]
    reply = client_post(emulator, token, "user-authenticators/email-otp", {"email": EMAIL})
    assert reply.status_code == 200, reply.text
    enrolled = reply.json()
    assert enrolled["userId"] == "u1" and enrolled["userAuthenticatorId"]
    [message] = emulator.outbox(user_id="u1")
    assert (message["channel"], message["to"]) == ("EMAIL", EMAIL)
    assert emulator.latest_code(to=EMAIL) == message["code"]
    result = verify(emulator, token, message["code"], "email-otp")
    assert result["isVerified"] is True and result["accessToken"]
    authenticator = result["userAuthenticator"]
    assert authenticator["verificationMethod"] == "EMAIL_OTP"
    assert authenticator["email"] == EMAIL
    assert authenticator["userAuthenticatorId"] == enrolled["userAuthenticatorId"]
    user = sdk.get_user("u1")
    assert (user["email"], user["email_verified"]) == (EMAIL, True)
    assert user["enrolled_verification_methods"] == ["EMAIL_OTP"]
    assert user["default_verification_method"] == "EMAIL_OTP"


def test_challenge_then_verify_passes_the_action(emulator, sdk):
    enroll_email(sdk)
    tracked = sdk.track("u1", "signIn")
    assert tracked["state"] == "CHALLENGE_REQUIRED"
    assert tracked["enrolled_verification_methods"] == ["EMAIL_OTP"]
    assert tracked["allowed_verification_methods"] == ["SMS", "EMAIL_OTP"]
    sent = challenge(emulator, tracked["token"])
    [message] = emulator.outbox(to=EMAIL)
    assert message["challengeId"] == sent["challengeId"] and message["channel"] == "EMAIL"
    emulator.advance_clock(5)
    result = verify(emulator, tracked["token"], message["code"], "email-otp")
    assert result["isVerified"] is True and "userAuthenticator" not in result
    validated = sdk.validate_challenge({"token": result["accessToken"], "userId": "u1"})
    assert validated["is_valid"] is True and validated["state"] == "CHALLENGE_SUCCEEDED"
    assert validated["verification_method"] == "EMAIL_OTP"
    [authenticator] = sdk.get_authenticators("u1")
    assert authenticator["last_verified_at"] > authenticator["verified_at"]


def test_email_and_sms_codes_are_separate(emulator, sdk):
    enroll(sdk)
    enroll_email(sdk)
    token = sdk.track("u1", "signIn")["token"]
    assert client_post(emulator, token, "challenge/sms").status_code == 200
    challenge(emulator, token)
    sms_code, email_code = emulator.latest_code(to=PHONE), emulator.latest_code(to=EMAIL)
    if sms_code != email_code:
        rejected = verify(emulator, token, sms_code, "email-otp")
        assert rejected == {"isVerified": False, "failureReason": "CODE_INVALID_OR_EXPIRED"}
    assert verify(emulator, token, email_code, "email-otp")["isVerified"] is True
    tracked = sdk.track("u1", "signIn")
    assert tracked["enrolled_verification_methods"] == ["EMAIL_OTP", "SMS"]
    assert tracked["default_verification_method"] == "SMS"  # the first enrolled


def test_wrong_codes(emulator, sdk):
    enroll_email(sdk)
    token = sdk.track("u1", "signIn")["token"]
    challenge(emulator, token)
    code = emulator.latest_code(to=EMAIL)
    for _ in range(4):
        reply = verify(emulator, token, wrong(code), "email-otp")
        assert reply == {"isVerified": False, "failureReason": "CODE_INVALID_OR_EXPIRED"}
    reply = verify(emulator, token, wrong(code), "email-otp")
    assert reply["failureReason"] == "MAX_ATTEMPTS_EXCEEDED"
    assert sdk.validate_challenge({"token": token})["state"] == "CHALLENGE_FAILED"


def test_the_action_must_allow_email_otp(emulator, sdk):
    enroll_email(sdk)
    emulator.set_rules({"allowedVerificationMethods": ["SMS"]})
    token = sdk.track("u1", "signIn")["token"]
    for path, body in (
        ("challenge/email-otp", None),
        ("user-authenticators/email-otp", {"email": EMAIL}),
    ):
        reply = client_post(emulator, token, path, body)
        assert_envelope(reply, 400, "invalid_request")
        assert "EMAIL_OTP is not an allowed" in reply.json()["errorDescription"]
    assert emulator.outbox() == []


def test_challenge_without_an_email_authenticator(emulator, sdk):
    enroll(sdk)
    reply = client_post(emulator, sdk.track("u1", "signIn")["token"], "challenge/email-otp")
    assert_envelope(reply, 400, "invalid_request")
    assert "email.enroll" in reply.json()["errorDescription"]
    assert emulator.outbox() == []


def test_enroll_needs_the_add_scope_once_enrolled(emulator, sdk):
    enroll(sdk)
    path, body = "user-authenticators/email-otp", {"email": EMAIL}
    token = sdk.track("u1", "signIn")["token"]
    assert_envelope(client_post(emulator, token, path, body), 403, "unauthorized")
    scoped = sdk.track("u1", "addEmail", {"scope": "add:authenticators"})["token"]
    assert client_post(emulator, scoped, path, body).status_code == 200


@pytest.mark.parametrize("email", [None, "", "jane", "jane@", "two words@example.com", 42])
def test_enroll_needs_an_email_address(emulator, sdk, email):
    token = sdk.track("u1", "signIn")["token"]
    reply = client_post(emulator, token, "user-authenticators/email-otp", {"email": email})
    assert_envelope(reply, 400, "invalid_request")


def test_enrolling_again_replaces_the_pending_address(emulator, sdk):
    token = sdk.track("u1", "signIn")["token"]
    path = "user-authenticators/email-otp"
    client_post(emulator, token, path, {"email": "old@example.com"})
    client_post(emulator, token, path, {"email": EMAIL})
    result = verify(emulator, token, emulator.latest_code(to=EMAIL), "email-otp")
    assert result["userAuthenticator"]["email"] == EMAIL
    assert [a["email"] for a in sdk.get_authenticators("u1")] == [EMAIL]


def test_twelve_emails_per_ten_minutes_apart_from_texts(emulator, sdk):
    enroll(sdk)
    enroll_email(sdk)
    token = sdk.track("u1", "signIn")["token"]
    for _ in range(6):
        assert client_post(emulator, token, "challenge/sms").status_code == 200
    for _ in range(12):
        challenge(emulator, token)
    reply = client_post(emulator, token, "challenge/email-otp")
    assert_envelope(reply, 429, "too_many_requests")
    assert "12 codes" in reply.json()["errorDescription"]
    assert_envelope(client_post(emulator, token, "challenge/sms"), 429, "too_many_requests")
    emulator.advance_clock(600)
    challenge(emulator, sdk.track("u1", "signIn")["token"])


def test_ten_email_code_checks_per_five_minutes_apart_from_texts(emulator, sdk):
    enroll(sdk)
    enroll_email(sdk)
    token = sdk.track("u1", "signIn")["token"]
    for _ in range(10):
        verify(emulator, token, "000000", "sms")
    for _ in range(10):
        verify(emulator, token, "000000", "email-otp")
    reply = client_post(emulator, token, "verify/email-otp", {"verificationCode": "000000"})
    assert_envelope(reply, 429, "too_many_requests")
    emulator.advance_clock(300)
    assert client_post(emulator, token, "verify/email-otp", {"verificationCode": "0"}).ok


def test_server_enrollment_of_an_email(emulator, sdk):
    authenticator = enroll_email(sdk)
    assert (authenticator["verification_method"], authenticator["email"]) == ("EMAIL_OTP", EMAIL)
    assert emulator.outbox() == []  # enrolled verified: nothing sent
    assert sdk.track("u1", "signIn")["enrolled_verification_methods"] == ["EMAIL_OTP"]
