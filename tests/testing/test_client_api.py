"""The client API the browser SDK calls (raw HTTP, as the SDK sends it): challenges, verification,
resends, expiry, rate limits, SMS enrollment and WhatsApp."""

from __future__ import annotations

import pytest
import requests
from authsignal.client import ApiException

from tests.emulator_fixtures import (
    PHONE,
    assert_envelope,
    challenged,
    client_post,
    enroll,
    verify,
    wrong,
)

WHATSAPP_TOO = {"allowedVerificationMethods": ["SMS", "WHATSAPP"]}


def test_sms_challenge_and_outbox(emulator, sdk):
    tracked = challenged(sdk, emulator)
    [message] = emulator.outbox()
    assert message["channel"] == "SMS" and message["to"] == PHONE
    assert message["userId"] == "u1" and message["action"] == "signIn"
    assert message["idempotencyKey"] == tracked["idempotency_key"]
    assert len(message["code"]) == 6 and message["code"].isdigit()
    assert message["sentAt"].endswith("Z")
    over_http = requests.get(f"{emulator.url}/_emulator/outbox", params={"to": PHONE}, timeout=5)
    assert over_http.json() == [message]
    assert requests.get(f"{emulator.url}/_emulator/outbox?userId=x", timeout=5).json() == []
    assert emulator.latest_code(to=PHONE) == message["code"]
    with pytest.raises(LookupError):
        emulator.latest_code(user_id="nobody")


def test_challenge_without_sms_authenticator_is_invalid_request(emulator, sdk):
    reply = client_post(emulator, sdk.track("u1", "signIn")["token"], "challenge/sms")
    assert_envelope(reply, 400, "invalid_request")
    assert "enroll" in reply.json()["errorDescription"]
    sdk.enroll_verified_authenticator(
        "u2", {"verificationMethod": "EMAIL_OTP", "email": "u2@example.com"}
    )
    tracked = sdk.track("u2", "signIn")
    assert (tracked["state"], tracked["is_enrolled"]) == ("CHALLENGE_REQUIRED", True)
    reply = client_post(emulator, tracked["token"], "challenge/sms")
    assert_envelope(reply, 400, "invalid_request")
    assert "no verified SMS authenticator" in reply.json()["errorDescription"]
    assert emulator.outbox() == []


@pytest.mark.parametrize("state", ["BLOCK", "REVIEW_REQUIRED"])
def test_blocked_actions_cannot_be_challenged(emulator, sdk, state):
    enroll(sdk)
    emulator.set_rules({"fallbackState": state})
    reply = client_post(emulator, sdk.track("u1", "signIn")["token"], "challenge/sms")
    assert_envelope(reply, 400, "invalid_request")


def test_state_changed_after_challenge_blocks_verify(emulator, sdk):
    tracked = challenged(sdk, emulator)
    sdk.update_action("u1", "signIn", tracked["idempotency_key"], {"state": "BLOCK"})
    reply = client_post(emulator, tracked["token"], "verify/sms", {"verificationCode": "000000"})
    assert_envelope(reply, 400, "invalid_request")


def test_wrong_code_then_right_code(emulator, sdk):
    tracked = challenged(sdk, emulator)
    code = emulator.latest_code("u1")
    assert verify(emulator, tracked["token"], wrong(code)) == {
        "isVerified": False,
        "failureReason": "CODE_INVALID_OR_EXPIRED",
    }
    assert (
        sdk.get_action("u1", "signIn", tracked["idempotency_key"])["state"] == "CHALLENGE_REQUIRED"
    )
    assert verify(emulator, tracked["token"], code)["isVerified"] is True
    # A code works once.
    assert verify(emulator, tracked["token"], code)["isVerified"] is False


def test_verify_without_code_or_challenge(emulator, sdk):
    token = sdk.track("u1", "signIn")["token"]
    assert_envelope(client_post(emulator, token, "verify/sms", {}), 400, "invalid_request")
    result = verify(emulator, token, "123456")
    assert result["failureReason"] == "CODE_INVALID_OR_EXPIRED"


def test_max_attempts_locks_the_action(emulator, sdk):
    tracked = challenged(sdk, emulator)
    code = emulator.latest_code("u1")
    reasons = [verify(emulator, tracked["token"], wrong(code))["failureReason"] for _ in range(5)]
    assert reasons == ["CODE_INVALID_OR_EXPIRED"] * 4 + ["MAX_ATTEMPTS_EXCEEDED"]
    assert verify(emulator, tracked["token"], code) == {
        "isVerified": False,
        "failureReason": "MAX_ATTEMPTS_EXCEEDED",
    }
    action = sdk.get_action("u1", "signIn", tracked["idempotency_key"])
    assert action["state"] == "CHALLENGE_FAILED"
    assert_envelope(
        client_post(emulator, tracked["token"], "challenge/sms"), 400, "invalid_request"
    )
    assert sdk.validate_challenge({"token": tracked["token"]})["is_valid"] is False


def test_code_expires_after_ten_minutes(emulator, sdk):
    tracked = challenged(sdk, emulator)
    code = emulator.latest_code("u1")
    emulator.advance_clock(9 * 60)
    fresh = sdk.track("u1", "signIn", {"idempotencyKey": tracked["idempotency_key"]})["token"]
    emulator.advance_clock(61)
    assert verify(emulator, fresh, code)["failureReason"] == "CODE_INVALID_OR_EXPIRED"


def test_token_expires_after_ten_minutes(emulator, sdk):
    tracked = challenged(sdk, emulator)
    emulator.advance_clock(599)
    assert client_post(emulator, tracked["token"], "challenge/sms").status_code == 200
    clock = requests.post(f"{emulator.url}/_emulator/clock", json={"advance": 1}, timeout=5).json()
    assert clock["offset"] == 600
    for path in ("challenge/sms", "verify/sms", "challenge/whatsapp"):
        expired = client_post(emulator, tracked["token"], path, {"verificationCode": "1"})
        assert_envelope(expired, 401, "expired_token")
    with pytest.raises(ApiException) as raised:
        sdk.validate_challenge({"token": tracked["token"]})
    assert (raised.value.status_code, raised.value.error_code) == (401, "expired_token")
    bad = requests.post(f"{emulator.url}/_emulator/clock", json={"advance": -1}, timeout=5)
    assert_envelope(bad, 400, "invalid_request")


def test_resend_kills_the_old_code(emulator, sdk):
    tracked = challenged(sdk, emulator)
    old = emulator.latest_code("u1")
    new = old
    while new == old:  # two random codes collide once in a million sends
        client_post(emulator, tracked["token"], "challenge/sms")
        new = emulator.latest_code("u1")
    assert verify(emulator, tracked["token"], old)["isVerified"] is False
    assert verify(emulator, tracked["token"], new)["isVerified"] is True


def test_send_rate_limit(emulator, sdk):
    emulator.set_rules(WHATSAPP_TOO)
    tracked = challenged(sdk, emulator)
    statuses = [
        client_post(emulator, tracked["token"], "challenge/sms").status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert_envelope(
        client_post(emulator, tracked["token"], "challenge/whatsapp"), 429, "too_many_requests"
    )
    assert len(emulator.outbox()) == 6
    emulator.advance_clock(600)
    token = sdk.track("u1", "signIn")["token"]
    assert client_post(emulator, token, "challenge/sms").status_code == 200


def test_verify_rate_limit(emulator, sdk):
    tracked = challenged(sdk, emulator)
    code = emulator.latest_code("u1")
    for _ in range(4):
        verify(emulator, tracked["token"], wrong(code))
    token = tracked["token"]
    for _ in range(3):
        client_post(emulator, token, "challenge/sms")
        verify(emulator, token, wrong(emulator.latest_code("u1")))
        verify(emulator, token, wrong(emulator.latest_code("u1")))
    limited = client_post(emulator, token, "verify/sms", {"verificationCode": code})
    assert_envelope(limited, 429, "too_many_requests")
    emulator.advance_clock(300)
    assert verify(emulator, token, emulator.latest_code("u1"))["isVerified"] is True


def test_sms_enrollment_flow(emulator, sdk):
    tracked = sdk.track("new", "signIn", {"phoneNumber": PHONE})
    assert tracked["is_enrolled"] is False
    bad = client_post(emulator, tracked["token"], "user-authenticators/sms", {"phoneNumber": "12"})
    assert_envelope(bad, 400, "invalid_request")
    reply = client_post(
        emulator, tracked["token"], "user-authenticators/sms", {"phoneNumber": PHONE}
    )
    enrolled = reply.json()
    assert reply.status_code == 200 and set(enrolled) == {"userAuthenticatorId", "userId"}
    assert enrolled["userId"] == "new"
    assert sdk.get_authenticators("new") == []
    result = verify(emulator, tracked["token"], emulator.latest_code(to=PHONE))
    assert result["isVerified"] is True and result["accessToken"]
    assert result["userAuthenticator"]["userAuthenticatorId"] == enrolled["userAuthenticatorId"]
    assert result["userAuthenticator"]["verifiedAt"]
    [authenticator] = sdk.get_authenticators("new")
    assert authenticator["phone_number"] == PHONE
    assert sdk.get_user("new")["phone_number_verified"] is True
    assert sdk.validate_challenge({"token": result["accessToken"]})["is_valid"] is True
    assert sdk.track("new", "signIn")["is_enrolled"] is True


def test_enrolling_again_replaces_the_pending_number(emulator, sdk):
    token = sdk.track("new", "signIn")["token"]
    for number in ("+64210000001", PHONE):
        reply = client_post(emulator, token, "user-authenticators/sms", {"phoneNumber": number})
        assert reply.status_code == 200
    assert verify(emulator, token, emulator.latest_code(to=PHONE))["isVerified"] is True
    assert [a["phone_number"] for a in sdk.get_authenticators("new")] == [PHONE]


def test_a_sent_code_still_verifies_after_its_authenticator_is_removed(emulator, sdk):
    tracked = challenged(sdk, emulator)
    [authenticator] = sdk.get_authenticators("u1")
    sdk.delete_authenticator("u1", authenticator["user_authenticator_id"])
    assert verify(emulator, tracked["token"], emulator.latest_code("u1"))["isVerified"] is True


def test_adding_a_second_authenticator_needs_scope(emulator, sdk):
    enroll(sdk)
    body = {"phoneNumber": "+64219999999"}
    token = sdk.track("u1", "signIn")["token"]
    refused = client_post(emulator, token, "user-authenticators/sms", body)
    assert_envelope(refused, 403, "unauthorized")
    scoped = sdk.track("u1", "signIn", {"scope": "add:authenticators"})["token"]
    assert client_post(emulator, scoped, "user-authenticators/sms", body).status_code == 200
    assert verify(emulator, scoped, emulator.latest_code("u1"))["isVerified"] is True
    assert [a["phone_number"] for a in sdk.get_authenticators("u1")] == ["+64219999999"]


def test_whatsapp_flow(emulator, sdk):
    emulator.set_rules(WHATSAPP_TOO)
    tracked = challenged(sdk, emulator, channel="whatsapp")
    [message] = emulator.outbox()
    assert message["channel"] == "WHATSAPP" and message["to"] == PHONE
    assert verify(emulator, tracked["token"], message["code"], "sms")["isVerified"] is False
    assert verify(emulator, tracked["token"], message["code"], "whatsapp")["isVerified"] is True
    validated = sdk.validate_challenge({"token": tracked["token"]})
    assert validated["verification_method"] == "WHATSAPP"
