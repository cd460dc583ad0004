"""Users and their authenticators on the server API, driven by the real Python SDK."""

from __future__ import annotations

import pytest
from authsignal.client import ApiException

from tests.emulator_fixtures import PHONE, enroll


def test_users_crud(emulator, sdk):
    unknown = sdk.get_user("ghost")
    assert unknown == {
        "user_id": "ghost",
        "is_enrolled": False,
        "enrolled_verification_methods": [],
        "allowed_verification_methods": ["SMS"],
        "email_verified": False,
        "phone_number_verified": False,
    }
    attributes = {"email": "a@example.com", "emailVerified": True, "displayName": "A"}
    updated = sdk.update_user("ghost", {**attributes, "custom": {"tier": "gold"}, "locale": "en"})
    assert updated["email"] == "a@example.com" and updated["email_verified"] is True
    assert updated["display_name"] == "A" and updated["custom"] == {"tier": "gold"}
    enroll(sdk, "ghost")
    enrolled = sdk.get_user("ghost")
    assert enrolled["is_enrolled"] is True and enrolled["default_verification_method"] == "SMS"
    sdk.delete_user("ghost")
    gone = sdk.get_user("ghost")
    assert gone["is_enrolled"] is False and "email" not in gone
    with pytest.raises(ApiException):
        sdk.update_user("ghost", {"custom": "not an object"})
    with pytest.raises(ApiException):
        sdk.update_user("ghost", {"emailVerified": "yes"})


def test_authenticators_crud(emulator, sdk):
    created = enroll(sdk)
    assert created["verification_method"] == "SMS" and created["phone_number"] == PHONE
    assert created["is_default"] is True and created["verified_at"]
    listed = sdk.get_authenticators("u1")
    assert [a["user_authenticator_id"] for a in listed] == [created["user_authenticator_id"]]
    email = sdk.enroll_verified_authenticator(
        "u1", {"verificationMethod": "EMAIL_OTP", "email": "u1@example.com", "isDefault": True}
    )["authenticator"]
    assert email["is_default"] is True
    assert sdk.get_user("u1")["default_verification_method"] == "EMAIL_OTP"
    replaced = enroll(sdk, phone="+64219999999")
    assert [a["phone_number"] for a in sdk.get_authenticators("u1") if "phone_number" in a] == [
        "+64219999999"
    ]
    sdk.delete_authenticator("u1", replaced["user_authenticator_id"])
    sdk.delete_authenticator("u1", email["user_authenticator_id"])
    assert sdk.get_authenticators("u1") == []
    with pytest.raises(ApiException) as raised:
        sdk.delete_authenticator("u1", "missing")
    assert raised.value.status_code == 404


@pytest.mark.parametrize(
    "attributes",
    [
        {"verificationMethod": "SMS", "phoneNumber": "021 123 4567"},
        {"verificationMethod": "SMS"},
        {"verificationMethod": "EMAIL_OTP", "email": "nope"},
        {"verificationMethod": "PASSKEY"},
    ],
)
def test_enroll_validates_input(emulator, sdk, attributes):
    with pytest.raises(ApiException) as raised:
        sdk.enroll_verified_authenticator("u1", attributes)
    assert (raised.value.status_code, raised.value.error_code) == (400, "invalid_request")
