"""Track, driven by the real Python SDK, and the tenant settings (the rules JSON) it follows
(variants: see test_variants.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from authsignal.client import ApiException, AuthsignalClient

from django_authsignal_sms.testing import EmulatorServer, Rules
from django_authsignal_sms.testing.risk import Signals
from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import EMULATOR_TENANT_ID as TENANT
from tests.emulator_fixtures import PHONE, assert_envelope, enroll

RULES = {
    "defaultState": {"signIn": "CHALLENGE_REQUIRED"},
    "fallbackState": "ALLOW",
    "users": {
        "alice": "ALLOW",
        "+15005550006": "BLOCK",
        "reviewme@example.com": "REVIEW_REQUIRED",
        "bob": {"transfer": "BLOCK"},
    },
}


@pytest.mark.parametrize(
    ("user_id", "action", "attributes", "state", "rule_ids"),
    [
        ("alice", "signIn", {}, "ALLOW", ["users:alice"]),
        ("u2", "signIn", {"phoneNumber": "+15005550006"}, "BLOCK", ["users:+15005550006"]),
        ("u3", "signIn", {"email": "ReviewMe@example.com"}, "REVIEW_REQUIRED", None),
        ("u4", "signIn", {}, "CHALLENGE_REQUIRED", ["defaultState:signIn"]),
        ("u5", "other", {}, "ALLOW", []),
        ("bob", "transfer", {}, "BLOCK", ["users:bob"]),
        ("bob", "signIn", {}, "CHALLENGE_REQUIRED", ["defaultState:signIn"]),
    ],
)
def test_track_outcome_follows_rules(emulator, sdk, user_id, action, attributes, state, rule_ids):
    emulator.set_rules(RULES)
    enroll(sdk, user_id)
    result = sdk.track(user_id, action, attributes)
    assert result["state"] == state
    assert result["is_enrolled"] is True
    if rule_ids is not None:
        assert result["rule_ids"] == rule_ids


@pytest.mark.parametrize(
    ("user_id", "action", "attributes", "rule_ids"),
    [
        ("alice", "signIn", {}, ["users:alice"]),
        ("u2", "signIn", {"phoneNumber": "+15005550006"}, []),
        ("u3", "signIn", {"email": "ReviewMe@example.com"}, []),
        ("u4", "signIn", {}, []),
        ("u5", "other", {}, []),
        ("bob", "transfer", {}, []),
    ],
)
def test_unenrolled_users_are_allowed_whatever_the_rules(
    emulator, sdk, user_id, action, attributes, rule_ids
):
    emulator.set_rules(RULES)
    result = sdk.track(user_id, action, attributes)
    assert (result["state"], result["is_enrolled"]) == ("ALLOW", False)
    assert result["enrolled_verification_methods"] == []
    assert result["rule_ids"] == rule_ids


def test_track_reply_has_every_field(emulator, sdk):
    enroll(sdk)
    result = sdk.track("u1", "signIn", {"ipAddress": "127.0.0.1", "custom": {"a": 1}, "x": "y"})
    assert set(result) == {
        "state",
        "idempotency_key",
        "url",
        "token",
        "is_enrolled",
        "enrolled_verification_methods",
        "allowed_verification_methods",
        "default_verification_method",
        "rule_ids",
    }
    assert result["state"] == "CHALLENGE_REQUIRED"
    assert result["idempotency_key"] and result["token"].startswith("eyJ")
    assert result["url"].startswith(emulator.url)
    assert result["is_enrolled"] is True
    assert result["enrolled_verification_methods"] == ["SMS"]
    assert result["allowed_verification_methods"] == ["SMS"]
    assert result["default_verification_method"] == "SMS"
    # There is no pre-built UI: the url answers like any path the emulator does not know.
    url_reply = requests.get(result["url"], timeout=5)
    assert (url_reply.status_code, url_reply.json()) == (
        403,
        {"message": "Missing Authentication Token"},
    )


def test_track_reply_for_an_unenrolled_user(emulator, sdk):
    result = sdk.track("nobody", "signIn")
    assert result == {
        "state": "ALLOW",
        "idempotency_key": result["idempotency_key"],
        "url": result["url"],
        "token": result["token"],
        "is_enrolled": False,
        "enrolled_verification_methods": [],
        "allowed_verification_methods": ["SMS"],
        "rule_ids": [],
    }


def test_track_keeps_idempotency_key_and_reflects_enrollment(emulator, sdk):
    enroll(sdk)
    first = sdk.track("u1", "signIn", {"idempotencyKey": "key-1"})
    again = sdk.track("u1", "signIn", {"idempotencyKey": "key-1"})
    assert first["idempotency_key"] == again["idempotency_key"] == "key-1"
    assert first["token"] != again["token"]
    assert first["is_enrolled"] is True
    assert first["enrolled_verification_methods"] == ["SMS"]
    assert sdk.track("u1", "signIn")["idempotency_key"] != "key-1"


def test_track_creates_and_updates_the_user(emulator, sdk):
    attributes = {"phoneNumber": PHONE, "email": "new@example.com", "username": "newbie"}
    sdk.track("fresh", "signIn", attributes)
    user = sdk.get_user("fresh")
    assert user["phone_number"] == PHONE
    assert user["email"] == "new@example.com"
    assert user["username"] == "newbie"
    assert user["is_enrolled"] is False
    assert sdk.get_authenticators("fresh") == []


def test_track_rejects_a_bad_action_code(emulator, sdk):
    with pytest.raises(ApiException) as raised:
        sdk.track("u1", "sign in!")
    assert raised.value.status_code == 400
    assert raised.value.error_code == "invalid_request"


def test_track_rejects_wrongly_typed_fields(emulator, sdk):
    with pytest.raises(ApiException) as raised:
        sdk.track("u1", "signIn", {"phoneNumber": 6421})
    assert (raised.value.status_code, raised.value.error_code) == (400, "invalid_request")


def test_unenrolled_state_rule_is_gone(emulator):
    with pytest.raises(ValueError, match="unenrolledState.*`unenrolled` variant"):
        emulator.set_rules({"unenrolledState": "ALLOW"})
    reply = requests.put(
        f"{emulator.url}/_emulator/rules", json={"unenrolledState": "CHALLENGE_REQUIRED"}, timeout=5
    )
    assert_envelope(reply, 400, "invalid_request")
    assert "Unknown rules keys: ['unenrolledState']" in reply.json()["errorDescription"]
    assert "unenrolledState" not in emulator.rules.to_mapping()


def test_rules_from_file_and_validation(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES))
    rules = Rules.from_file(path)
    assert rules.decide("signIn", ["alice"], Signals()).state == "ALLOW"
    assert Rules.from_mapping(rules.to_mapping()) == rules
    methods = {"allowedVerificationMethods": ["WHATSAPP", "SMS", "SMS"]}
    with_methods = Rules.from_mapping({**methods, "actionVerificationMethods": {"pay": ["SMS"]}})
    assert with_methods.allowed_methods() == ("WHATSAPP", "SMS")
    assert with_methods.allowed_methods("pay") == ("SMS",)
    assert with_methods.allowed_methods("signIn") == ("WHATSAPP", "SMS")
    assert Rules.from_mapping(with_methods.to_mapping()) == with_methods
    path.write_text("{nope")
    with pytest.raises(ValueError, match="not valid JSON"):
        Rules.from_file(path)
    bad_rules: list[Any] = [
        {"fallbackState": "MAYBE"},
        {"typo": 1},
        {"users": []},
        {"defaultState": 3},
        {"unenrolledState": "ALLOW"},
        {"allowedVerificationMethods": []},
        {"allowedVerificationMethods": "SMS"},
        {"allowedVerificationMethods": ["TOTP"]},
        {"actionVerificationMethods": ["SMS"]},
        {"actionVerificationMethods": {"signIn": ["CARRIER_PIGEON"]}},
        [],
    ]
    for bad in bad_rules:
        with pytest.raises(ValueError):
            Rules.from_mapping(bad)


def test_rules_at_start_and_over_http(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"fallbackState": "BLOCK"}))
    with EmulatorServer(
        secret_key=SECRET, tenant_id=TENANT, rules=str(path), enabled=True
    ) as server:
        client = AuthsignalClient(SECRET, api_url=server.base_url)
        enroll(client)
        assert client.track("u1", "signIn")["state"] == "BLOCK"
        rules_url = f"{server.url}/_emulator/rules"
        reply = requests.put(rules_url, json={"users": {"u1": "ALLOW"}}, timeout=5)
        assert reply.json()["users"] == {"u1": "ALLOW"}
        assert client.track("u1", "signIn")["state"] == "ALLOW"
        assert_envelope(
            requests.put(rules_url, json={"users": {"u1": "NO"}}, timeout=5), 400, "invalid_request"
        )
        assert requests.get(rules_url, timeout=5).json() == {
            "defaultState": {},
            "fallbackState": "CHALLENGE_REQUIRED",
            "users": {"u1": "ALLOW"},
            "rules": [],
            "allowedVerificationMethods": ["SMS"],
            "actionVerificationMethods": {},
        }
        server.reset()
        assert server.rules.fallback_state == "BLOCK"
