"""Get and update action, and validate, driven by the real Python SDK (variants: see
test_variants.py)."""

from __future__ import annotations

import pytest
from authsignal.client import ApiException

from tests.emulator_fixtures import challenged, enroll, verify


def test_get_and_update_action(emulator, sdk):
    enroll(sdk)
    tracked = sdk.track("u1", "signIn")
    key = tracked["idempotency_key"]
    action = sdk.get_action("u1", "signIn", key)
    assert action["state"] == "CHALLENGE_REQUIRED"
    assert action["output"] == {} and action["rule_ids"] == []
    assert action["created_at"].endswith("Z") and action["state_updated_at"]
    updated = sdk.update_action("u1", "signIn", key, {"state": "REVIEW_SUCCEEDED"})
    assert updated["state"] == "REVIEW_SUCCEEDED"
    assert sdk.get_action("u1", "signIn", key)["state"] == "REVIEW_SUCCEEDED"
    with pytest.raises(ApiException) as raised:
        sdk.update_action("u1", "signIn", key, {"state": "DONE"})
    assert raised.value.status_code == 400
    with pytest.raises(ApiException) as raised:
        sdk.get_action("u1", "signIn", "missing")
    assert (raised.value.status_code, raised.value.error_code) == (404, "not_found")


def test_validate_before_and_after_verify(emulator, sdk):
    tracked = challenged(sdk, emulator)
    before = sdk.validate_challenge({"token": tracked["token"]})
    assert before["is_valid"] is False
    assert before["state"] == "CHALLENGE_REQUIRED"
    assert before["user_id"] == "u1" and before["action"] == "signIn"
    assert before["idempotency_key"] == tracked["idempotency_key"]
    result = verify(emulator, tracked["token"], emulator.latest_code("u1"))
    assert result["isVerified"] is True and "error" not in result
    for token in (result["accessToken"], tracked["token"], result["accessToken"]):
        after = sdk.validate_challenge({"token": token, "userId": "u1", "action": "signIn"})
        assert after == {
            "is_valid": True,
            "state": "CHALLENGE_SUCCEEDED",
            "state_updated_at": after["state_updated_at"],
            "user_id": "u1",
            "action": "signIn",
            "action_code": "signIn",
            "idempotency_key": tracked["idempotency_key"],
            "verification_method": "SMS",
        }
    action = sdk.get_action("u1", "signIn", tracked["idempotency_key"])
    assert action["verification_method"] == "SMS"


def test_validate_with_wrong_user_or_action(emulator, sdk):
    token = sdk.track("u1", "signIn")["token"]
    user_invalid = {"is_valid": False, "error": "User is invalid."}
    action_invalid = {"is_valid": False, "error": "Action is invalid."}
    assert sdk.validate_challenge({"token": token, "userId": "u2"}) == user_invalid
    assert sdk.validate_challenge({"token": token, "action": "pay"}) == action_invalid
    both = {"token": token, "userId": "u2", "action": "pay"}
    assert sdk.validate_challenge(both) == user_invalid


@pytest.mark.parametrize("token", ["garbage", "eyJ.eyJ.sig"])
def test_validate_unknown_token_is_expired_token(emulator, sdk, token):
    with pytest.raises(ApiException) as raised:
        sdk.validate_challenge({"token": token})
    assert (raised.value.status_code, raised.value.error_code) == (401, "expired_token")


def test_validate_requires_a_token(emulator, sdk):
    with pytest.raises(ApiException) as raised:
        sdk.validate_challenge({"userId": "u1"})
    assert raised.value.error_code == "invalid_request"
