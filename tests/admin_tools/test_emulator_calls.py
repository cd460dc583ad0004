"""The emulator's server calls the admin tools use, through the real Python SDK, in the shapes
Authsignal's contract gives them; and the ``after_review`` variant at the API."""

from __future__ import annotations

import pytest
from authsignal.client import ApiException, AuthsignalClient

from django_authsignal_sms.testing import VARIANTS
from tests.emulator_fixtures import EMULATOR_SECRET_KEY, PHONE, enroll

pytestmark = pytest.mark.django_db

ACTION_KEYS = {"state", "created_at", "state_updated_at", "output", "rule_ids"}


@pytest.fixture
def sdk(emulator):
    return AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)


def test_get_user(emulator, sdk):
    assert sdk.get_user("nobody") == {
        "user_id": "nobody",
        "is_enrolled": False,
        "enrolled_verification_methods": [],
        "allowed_verification_methods": ["SMS"],
        "email_verified": False,
        "phone_number_verified": False,
    }
    enroll(sdk, "u1")
    user = sdk.get_user("u1")
    assert (user["is_enrolled"], user["enrolled_verification_methods"]) == (True, ["SMS"])
    assert (user["phone_number"], user["phone_number_verified"]) == (PHONE, True)
    assert user["default_verification_method"] == "SMS"


def test_get_authenticators(emulator, sdk):
    assert sdk.get_authenticators("u1") == []
    enrolled = enroll(sdk, "u1")
    [listed] = sdk.get_authenticators("u1")
    assert listed == enrolled
    assert {"user_id", "user_authenticator_id", "verification_method", "created_at"} <= set(listed)
    assert (listed["phone_number"], listed["verification_method"]) == (PHONE, "SMS")


def test_delete_authenticator_makes_the_user_never_enrolled_again(emulator, sdk):
    authenticator_id = enroll(sdk, "u1")["user_authenticator_id"]
    assert sdk.delete_authenticator("u1", authenticator_id) is None
    assert sdk.get_authenticators("u1") == []
    assert sdk.get_user("u1")["is_enrolled"] is False
    tracked = sdk.track("u1", "signIn")
    assert (tracked["state"], tracked["is_enrolled"]) == ("ALLOW", False)


def test_delete_authenticator_of_another_user_or_unknown_is_not_found(emulator, sdk):
    authenticator_id = enroll(sdk, "u1")["user_authenticator_id"]
    for user_id, target in (("u2", authenticator_id), ("u1", "no-such-id")):
        with pytest.raises(ApiException) as raised:
            sdk.delete_authenticator(user_id, target)
        assert (raised.value.status_code, raised.value.error_code) == (404, "not_found")
    assert len(sdk.get_authenticators("u1")) == 1


def test_get_and_update_action(emulator, sdk):
    emulator.set_rules({"fallbackState": "REVIEW_REQUIRED"})
    enroll(sdk, "u1")
    key = sdk.track("u1", "signIn")["idempotency_key"]
    action = sdk.get_action("u1", "signIn", key)
    assert set(action) == ACTION_KEYS and action["state"] == "REVIEW_REQUIRED"
    emulator.advance_clock(5)
    updated = sdk.update_action("u1", "signIn", key, {"state": "REVIEW_SUCCEEDED"})
    assert set(updated) == ACTION_KEYS and updated["state"] == "REVIEW_SUCCEEDED"
    assert updated["state_updated_at"] > action["state_updated_at"]
    assert sdk.get_action("u1", "signIn", key) == updated


def test_update_action_refuses_unknown_states_and_actions(emulator, sdk):
    enroll(sdk, "u1")
    key = sdk.track("u1", "signIn")["idempotency_key"]
    with pytest.raises(ApiException) as raised:
        sdk.update_action("u1", "signIn", key, {"state": "APPROVED"})
    assert (raised.value.status_code, raised.value.error_code) == (400, "invalid_request")
    with pytest.raises(ApiException) as raised:
        sdk.update_action("u1", "signIn", "no-such-key", {"state": "REVIEW_FAILED"})
    assert (raised.value.status_code, raised.value.error_code) == (404, "not_found")


def test_a_review_moved_to_challenge_required_can_get_a_code(emulator, sdk):
    """What the app does with an approval when the rules review the next sign-in again."""
    emulator.set_rules({"fallbackState": "REVIEW_REQUIRED"})
    enroll(sdk, "u1")
    tracked = sdk.track("u1", "signIn")
    key = tracked["idempotency_key"]
    sdk.update_action("u1", "signIn", key, {"state": "CHALLENGE_REQUIRED"})
    verified = emulator.pass_challenge(tracked["token"])
    validated = sdk.validate_challenge({"token": verified, "userId": "u1", "action": "signIn"})
    assert (validated["is_valid"], validated["state"]) == (True, "CHALLENGE_SUCCEEDED")
    assert validated["idempotency_key"] == key


# The after_review variant: the next track after an approval


NEXT_TRACK = {"reviews_again": "REVIEW_REQUIRED", "remembers": "CHALLENGE_REQUIRED"}


def test_every_value_is_covered_here():
    assert tuple(NEXT_TRACK) == VARIANTS["after_review"]


def held(sdk, user_id="u1"):
    return sdk.track(user_id, "signIn")["idempotency_key"]


@pytest.mark.parametrize("variant", VARIANTS["after_review"])
def test_after_an_approval(emulator, sdk, variant):
    emulator.set_variants({"after_review": variant})
    emulator.set_rules({"fallbackState": "REVIEW_REQUIRED"})
    enroll(sdk, "u1")
    sdk.update_action("u1", "signIn", held(sdk), {"state": "REVIEW_SUCCEEDED"})
    after = sdk.track("u1", "signIn")
    assert after["state"] == NEXT_TRACK[variant]
    # Remembered or not, only for the next track: the one after is the rules' again.
    assert sdk.track("u1", "signIn")["state"] == "REVIEW_REQUIRED"


@pytest.mark.parametrize("variant", VARIANTS["after_review"])
def test_after_a_rejection_the_rules_decide(emulator, sdk, variant):
    emulator.set_variants({"after_review": variant})
    emulator.set_rules({"fallbackState": "REVIEW_REQUIRED"})
    enroll(sdk, "u1")
    sdk.update_action("u1", "signIn", held(sdk), {"state": "REVIEW_FAILED"})
    assert sdk.track("u1", "signIn")["state"] == "REVIEW_REQUIRED"


@pytest.mark.parametrize("variant", VARIANTS["after_review"])
def test_an_approval_is_remembered_for_its_own_user_and_action_only(emulator, sdk, variant):
    emulator.set_variants({"after_review": variant})
    emulator.set_rules({"fallbackState": "REVIEW_REQUIRED"})
    enroll(sdk, "u1")
    enroll(sdk, "u2")
    sdk.update_action("u1", "signIn", held(sdk), {"state": "REVIEW_SUCCEEDED"})
    assert sdk.track("u2", "signIn")["state"] == "REVIEW_REQUIRED"
    assert sdk.track("u1", "withdraw")["state"] == "REVIEW_REQUIRED"
    assert sdk.track("u1", "signIn")["state"] == NEXT_TRACK[variant]


def test_a_remembered_approval_never_challenges_a_user_without_an_authenticator(emulator, sdk):
    emulator.set_variants({"after_review": "remembers", "unenrolled": "rules_can_deny"})
    emulator.set_rules({"fallbackState": "REVIEW_REQUIRED"})
    key = held(sdk, "new")
    sdk.update_action("new", "signIn", key, {"state": "REVIEW_SUCCEEDED"})
    after = sdk.track("new", "signIn")
    assert (after["state"], after["is_enrolled"]) == ("REVIEW_REQUIRED", False)
