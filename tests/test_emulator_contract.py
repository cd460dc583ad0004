"""The emulator's contract, driven by the real Python SDK and raw HTTP (variants: see
test_emulator_variants.py)."""

from __future__ import annotations

import http.client
import io
import json
import os
import queue
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from authsignal.client import ApiException, AuthsignalClient

from django_authsignal_sms.emulator import ENABLE_ENV, EmulatorDisabled, EmulatorServer, Rules
from django_authsignal_sms.emulator import __main__ as cli
from django_authsignal_sms.emulator.console import message_printer, run_in_foreground
from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import EMULATOR_TENANT_ID as TENANT
from tests.emulator_fixtures import (
    JSON_HEADERS,
    PHONE,
    assert_envelope,
    challenged,
    client_post,
    enroll,
    verify,
    wrong,
)

pytest_plugins = ["tests.emulator_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
WHATSAPP_TOO = {"allowedVerificationMethods": ["SMS", "WHATSAPP"]}
UNAUTHORIZED = (
    "The request is unauthorized. "
    "Check that your API key and region base URL are correctly configured."
)
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


@pytest.fixture
def sdk(emulator_sdk):
    return emulator_sdk


# Starting the server


def test_refuses_to_start_unless_enabled(monkeypatch):
    monkeypatch.delenv(ENABLE_ENV, raising=False)
    with pytest.raises(EmulatorDisabled, match=ENABLE_ENV):
        EmulatorServer(secret_key=SECRET, tenant_id=TENANT)
    monkeypatch.setenv(ENABLE_ENV, "1")
    EmulatorServer(secret_key=SECRET, tenant_id=TENANT).stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_non_loopback_hosts(host):
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer(host, secret_key=SECRET, tenant_id=TENANT, enabled=True)


def test_urls_and_context_manager():
    with EmulatorServer("localhost", secret_key=SECRET, tenant_id=TENANT, enabled=True) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert (
            AuthsignalClient(SECRET, api_url=server.base_url).get_user("x")["is_enrolled"] is False
        )
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/_emulator/stats", timeout=2)


def test_ipv6_loopback():
    with EmulatorServer("::1", secret_key=SECRET, tenant_id=TENANT, enabled=True) as server:
        assert server.base_url == f"http://[::1]:{server.port}/v1"
        assert requests.get(f"{server.url}/_emulator/stats", timeout=2).status_code == 200


def test_server_lifecycle_edges():
    with pytest.raises(ValueError, match="non-empty"):
        EmulatorServer(secret_key="", tenant_id=TENANT, enabled=True)
    rules = Rules(fallback_state="ALLOW")
    server = EmulatorServer(secret_key=SECRET, tenant_id=TENANT, rules=rules, enabled=True)
    assert server.start() is server.start()
    assert server.rules is rules
    with pytest.raises(ValueError, match="forward"):
        server.advance_clock(-1)
    server.stop()
    server.stop()


def test_head_requests_get_no_body(emulator):
    reply = requests.head(f"{emulator.base_url}/validate", timeout=5)
    assert reply.status_code == 501 and reply.content == b""


def _wait_until(condition):
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("ending", ["close", "reset", "stop"])
def test_a_hung_reply_ends_with_the_client_or_the_server(ending):
    server = EmulatorServer(secret_key=SECRET, tenant_id=TENANT, enabled=True).start()
    server.set_fault("timeout", routes=["get_user"])
    client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    client.sendall(b"GET /v1/users/u1 HTTP/1.1\r\nHost: emulator\r\n\r\n")
    _wait_until(lambda: server.stats()["requests"]["get_user"] == 1)
    if ending == "close":
        client.sendall(b"more bytes are read and ignored")
        client.close()
    elif ending == "reset":
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    else:
        server._httpd.stopping.set()  # what stop() does first
    _wait_until(lambda: not server._httpd._open)
    if ending == "stop":
        assert client.recv(100) == b""
        client.close()
    server.stop()


def test_connection_errors_are_logged_quietly(emulator, capsys):
    try:
        raise BrokenPipeError
    except BrokenPipeError:
        emulator._httpd.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


# Track and rules


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
    url_reply = requests.get(result["url"], timeout=5)
    assert_envelope(url_reply, 501, "not_implemented")


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
    assert rules.decide("signIn", ["alice"]).state == "ALLOW"
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
            "allowedVerificationMethods": ["SMS"],
            "actionVerificationMethods": {},
        }
        server.reset()
        assert server.rules.fallback_state == "BLOCK"


# Actions and validate


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


# Users and authenticators


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


# Auth, wire format, CORS


def test_wrong_secret_is_unauthorized(emulator):
    with pytest.raises(ApiException) as raised:
        AuthsignalClient("wrong-secret", api_url=emulator.base_url).track("u1", "signIn")
    error = raised.value
    assert (error.status_code, error.error_code) == (401, "unauthorized")
    assert error.error_description == UNAUTHORIZED


@pytest.mark.parametrize(
    "authorization", [None, "Bearer x", "Basic !!!", "Basic dGVzdC1zZWNyZXQta2V5", "Basic /w=="]
)
def test_bad_basic_auth(emulator, authorization):
    headers = {**JSON_HEADERS, **({"Authorization": authorization} if authorization else {})}
    reply = requests.get(f"{emulator.base_url}/users/u1", headers=headers, timeout=5)
    assert_envelope(reply, 401, "unauthorized")
    assert reply.json()["errorDescription"] == UNAUTHORIZED


def test_every_reply_is_plain_json(emulator, sdk):
    tracked = challenged(sdk, emulator)
    base, auth = emulator.base_url, (SECRET, "")
    bearer = {"Authorization": f"Bearer {tracked['token']}", **JSON_HEADERS}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"{base}/users/u1", {"auth": auth, "headers": JSON_HEADERS}),
        ("DELETE", f"{base}/users/nobody", {"auth": auth, "headers": JSON_HEADERS, "data": "{}"}),
        ("POST", f"{base}/users/u1/actions/signIn", {"auth": auth, "data": ""}),
        ("POST", f"{base}/validate", {"auth": auth, "data": "{not json"}),
        ("POST", f"{base}/validate", {"auth": auth, "data": "[1]"}),
        ("POST", f"{base}/client/verify/sms", {"headers": bearer, "data": "{}"}),
        ("POST", f"{base}/client/challenge/sms", {"headers": {"Authorization": "Bearer nope"}}),
        ("POST", f"{base}/client/challenge/sms", {}),
        ("PUT", f"{base}/validate", {"auth": auth}),
        ("GET", f"{emulator.url}/_emulator/outbox", {}),
    ]
    for method, url, options in calls:
        reply = requests.request(method, url, timeout=5, **options)
        assert reply.headers["Content-Type"] == "application/json", (method, url)
        body = reply.json()
        if reply.ok:
            assert not (isinstance(body, dict) and "error" in body), (method, url)
        else:
            assert {"error", "errorCode", "errorDescription"} <= set(body), (method, url)
    statuses = [requests.request(m, u, timeout=5, **o).status_code for m, u, o in calls]
    assert statuses == [200, 200, 200, 400, 400, 400, 401, 401, 405, 200]
    # Unknown paths answer like the API gateway: JSON, but not the error envelope.
    nowhere = requests.get(f"{base}/nowhere", timeout=5)
    assert nowhere.headers["Content-Type"] == "application/json"
    assert (nowhere.status_code, nowhere.json()) == (
        403,
        {"message": "Missing Authentication Token"},
    )


def test_stdlib_errors_are_json_too(emulator):
    reply = requests.request("BREW", f"{emulator.base_url}/validate", timeout=5)
    assert_envelope(reply, 501, "not_implemented")
    for header, value, status, code in [
        ("Content-Length", "x", 400, "invalid_request"),
        ("Content-Length", str(2 * 1024 * 1024), 413, "request_entity_too_large"),
        ("Transfer-Encoding", "chunked", 411, "length_required"),
    ]:
        connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
        connection.putrequest("POST", "/v1/validate")
        connection.putheader(header, value)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == status
        assert response.getheader("Content-Type") == "application/json"
        assert json.loads(response.read())["errorCode"] == code
        connection.close()


def test_a_crashing_route_is_a_500_envelope(emulator, sdk, monkeypatch):
    def boom(user_id):
        raise RuntimeError("bug")

    monkeypatch.setattr(emulator.emulator.store, "user", boom)
    with pytest.raises(ApiException) as raised:
        sdk.track("u1", "signIn")
    assert (raised.value.status_code, raised.value.error_code) == (500, "internal_error")
    assert sdk.get_authenticators("u1") == []


def test_cors_preflight_and_reply_headers(emulator, sdk):
    origin = "http://127.0.0.1:9999"
    preflight = requests.options(
        f"{emulator.base_url}/client/verify/sms",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    no_origin = requests.options(f"{emulator.base_url}/client/challenge/sms", timeout=5)
    assert no_origin.headers["Access-Control-Allow-Origin"] == "*"
    assert_envelope(requests.options(f"{emulator.base_url}/validate", timeout=5), 404, "not_found")
    token = sdk.track("u1", "signIn")["token"]
    failed = client_post(emulator, token, "challenge/sms", Origin=origin)
    assert failed.headers["Access-Control-Allow-Origin"] == origin
    assert emulator.stats()["requests"]["preflight"] == 2


# Client API: challenges, verification, limits


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


# Connections, stats, reset


def test_sdk_reuses_one_keep_alive_connection(emulator, sdk):
    for index in range(20):
        sdk.get_user(f"user-{index}")
    stats = emulator.stats()
    assert stats["connections"] == 1 and stats["api_connections"] == 1
    assert stats["requests"]["get_user"] == 20
    over_http = requests.get(f"{emulator.url}/_emulator/stats", timeout=5).json()
    assert over_http["connections"] == 2 and over_http["api_connections"] == 1


def test_reset_over_http_wipes_everything(emulator, sdk):
    challenged(sdk, emulator)
    emulator.set_fault("status:500", routes=["validate"])
    emulator.advance_clock(30)
    assert requests.post(f"{emulator.url}/_emulator/reset", timeout=5).json() == {"reset": True}
    assert emulator.outbox() == [] and sdk.get_authenticators("u1") == []
    assert requests.get(f"{emulator.url}/_emulator/faults", timeout=5).json() == {"fault": None}
    assert requests.get(f"{emulator.url}/_emulator/clock", timeout=5).json()["offset"] == 0
    assert emulator.stats()["requests"]["track"] == 0


# Faults


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("status:500", 500, "internal_error"),
        ("status:503", 503, "service_unavailable"),
        ("status:401", 401, "unauthorized"),
        ("status:429", 429, "too_many_requests"),
    ],
)
def test_status_faults(emulator, sdk, mode, status, code):
    emulator.set_fault(mode, routes=["track"], count=1)
    with pytest.raises(ApiException) as raised:
        sdk.track("u1", "signIn")
    assert (raised.value.status_code, raised.value.error_code) == (status, code)
    assert sdk.track("u1", "signIn")["state"] == "ALLOW"


def test_html_and_charset_faults_break_the_sdk(emulator, sdk):
    for mode, content_type in (
        ("html", "text/html"),
        ("charset", "application/json; charset=utf-8"),
    ):
        emulator.set_fault(mode, routes=["track"])
        raw = requests.post(
            f"{emulator.base_url}/users/u1/actions/signIn", auth=(SECRET, ""), timeout=5
        )
        assert raw.status_code == 200 and raw.headers["Content-Type"] == content_type
        with pytest.raises(AttributeError):
            sdk.track("u1", "signIn")
    assert raw.json()["state"] == "ALLOW"


def test_missing_fields_and_unknown_state_faults(emulator, sdk):
    token = sdk.track("u1", "signIn")["token"]
    emulator.set_fault("missing_fields", routes=["track", "validate"])
    assert "state" not in sdk.track("u1", "signIn")
    assert "state" not in sdk.validate_challenge({"token": token})
    emulator.set_fault("unknown_state")
    assert sdk.track("u1", "signIn")["state"] == "SOMETHING_NEW"
    assert sdk.get_action("u1", "signIn", sdk.track("u1", "signIn")["idempotency_key"])[
        "state"
    ] == ("SOMETHING_NEW")


def test_refuse_and_timeout_faults(emulator, sdk):
    emulator.set_fault("refuse", routes=["validate"], count=1)
    with pytest.raises(ApiException) as raised:
        sdk.validate_challenge({"token": "x"})
    assert raised.value.status_code is None
    emulator.set_fault("timeout", routes=["track"], count=1)
    url = f"{emulator.base_url}/users/u1/actions/signIn"
    with pytest.raises(requests.Timeout):
        requests.post(url, auth=(SECRET, ""), timeout=0.3)
    assert sdk.track("u1", "signIn")["state"] == "ALLOW"
    assert emulator.stats()["requests"]["track"] == 2


def test_faults_over_http(emulator, sdk):
    faults_url = f"{emulator.url}/_emulator/faults"
    spec = {"mode": "status:503", "routes": ["validate"], "count": 2}
    assert requests.post(faults_url, json=spec, timeout=5).json() == {"fault": spec}
    assert sdk.track("u1", "signIn")["state"] == "ALLOW"
    with pytest.raises(ApiException):
        sdk.validate_challenge({"token": "x"})
    assert requests.get(faults_url, timeout=5).json()["fault"]["count"] == 1
    assert requests.delete(faults_url, timeout=5).json() == {"fault": None}
    bad_specs: list[Any] = [
        {"mode": "explode"},
        {"mode": "html", "routes": ["nope"]},
        {"mode": "html", "routes": "track"},
        {"mode": "html", "count": 0},
    ]
    for bad in bad_specs:
        assert_envelope(requests.post(faults_url, json=bad, timeout=5), 400, "invalid_request")


def test_preflight_fault_only_when_named(emulator):
    emulator.set_fault("status:500")
    assert requests.options(f"{emulator.base_url}/client/verify/sms", timeout=5).status_code == 204
    emulator.set_fault("status:500", routes=["preflight"])
    assert requests.options(f"{emulator.base_url}/client/verify/sms", timeout=5).status_code == 500


# Command line and management command


def _spawn(args, env_extra=None):
    hidden = (ENABLE_ENV, "DJANGO_SETTINGS_MODULE", "AUTHSIGNAL_SECRET_KEY", "AUTHSIGNAL_TENANT_ID")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.update(env_extra or {})
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump():
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return process, lines


def _wait_for(lines, needle):
    while True:
        line = lines.get(timeout=15)
        if needle in line:
            return line


def _exercise(base_url, channel="sms"):
    client = AuthsignalClient(SECRET, api_url=base_url)
    enroll(client)
    token = client.track("u1", "signIn")["token"]
    reply = requests.post(
        f"{base_url}/client/challenge/{channel}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert reply.status_code == 200


def _interrupt(process):
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


def test_cli_runs_and_prints_codes(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"fallbackState": "CHALLENGE_REQUIRED"}))
    args = ["-m", "django_authsignal_sms.emulator", "--port", "0", "--rules", str(rules)]
    args += ["--secret-key", SECRET, "--tenant-id", TENANT, "--variant", "bad_token=not_valid"]
    process, lines = _spawn(args, {ENABLE_ENV: "1"})
    try:
        base_url = _wait_for(lines, "listening on").split()[-1]
        assert "bad_token=not_valid, review_challenge=refused" in _wait_for(lines, "Variants:")
        _exercise(base_url)
        line = _wait_for(lines, "SMS to")
        assert (
            f"SMS to {PHONE}: your code is " in line and "(user u1, action signIn, expires " in line
        )
    finally:
        _interrupt(process)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--secret-key", SECRET, "--tenant-id", TENANT], ENABLE_ENV),
        (["--enable"], "--secret-key"),
        (
            ["--enable", "--secret-key", SECRET, "--tenant-id", TENANT, "--host", "0.0.0.0"],
            "loopback",
        ),
    ],
)
def test_cli_refusals(monkeypatch, capsys, args, message):
    for name in (ENABLE_ENV, "AUTHSIGNAL_SECRET_KEY", "AUTHSIGNAL_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["--port", "0", *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_main_starts_the_server(monkeypatch, capsys, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"fallbackState": "BLOCK"}))
    started = []

    def run(server, write):
        started.append(server)
        write(f"serving {server.base_url}")
        server.stop()

    monkeypatch.setattr(cli, "run_in_foreground", run)
    args = ["--port", "0", "--secret-key", SECRET, "--tenant-id", TENANT, "--enable"]
    assert cli.main([*args, "--rules", str(rules)]) == 0
    [server] = started
    assert server.rules.fallback_state == "BLOCK"
    assert f"serving {server.base_url}" in capsys.readouterr().out


def test_console_prints_codes_until_stopped():
    lines: list[str] = []
    server = EmulatorServer(
        secret_key=SECRET,
        tenant_id=TENANT,
        rules=WHATSAPP_TOO,
        enabled=True,
        on_message=message_printer(lines.append),
    )
    thread = threading.Thread(target=run_in_foreground, args=(server, lines.append))
    thread.start()
    _exercise(server.base_url, channel="whatsapp")
    server.stop()
    thread.join(timeout=5)
    assert lines[0] == f"[emulator] Authsignal emulator listening on {server.base_url}"
    assert any(f"WhatsApp to {PHONE}: your code is " in line for line in lines)
    assert lines[-1] == "[emulator] stopped"


def test_console_stops_on_ctrl_c(monkeypatch):
    server = EmulatorServer(secret_key=SECRET, tenant_id=TENANT, enabled=True)

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "serve_forever", interrupted)
    lines: list[str] = []
    run_in_foreground(server, lines.append)
    assert lines[-1] == "[emulator] stopped"


COMMAND_SCRIPT = """
import django
from django.conf import settings
settings.configure(DEBUG=True, AUTHSIGNAL_SECRET_KEY={secret!r}, AUTHSIGNAL_TENANT_ID={tenant!r},
                   AUTHSIGNAL_API_URL="http://127.0.0.1:1/v1")
django.setup()
from django.core.management import call_command
from django_authsignal_sms.management.commands.authsignal_sms_emulator import Command
call_command(Command(), port=0, enable=True)
"""


def test_management_command_runs():
    script = COMMAND_SCRIPT.format(secret=SECRET, tenant=TENANT)
    process, lines = _spawn(["-c", script])
    try:
        base_url = _wait_for(lines, "listening on").split()[-1]
        assert "appear in this console" in _wait_for(lines, "SMS and WhatsApp codes")
        _exercise(base_url)
        assert f"SMS to {PHONE}" in _wait_for(lines, "your code is")
    finally:
        _interrupt(process)
    assert "AUTHSIGNAL_API_URL is http://127.0.0.1:1/v1" in process.stderr.read()


@pytest.fixture
def django_settings():
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure()
    return settings


@pytest.mark.parametrize(
    ("overrides", "options", "env", "message"),
    [
        ({"DEBUG": False}, {"enable": True}, "1", "DEBUG = True"),
        ({"DEBUG": True}, {}, None, ENABLE_ENV),
        (
            {"DEBUG": True, "AUTHSIGNAL_SECRET_KEY": ""},
            {"enable": True},
            None,
            "AUTHSIGNAL_SECRET_KEY",
        ),
        ({"DEBUG": True}, {"enable": True, "rules": "/no/such/file.json"}, None, "file.json"),
        ({"DEBUG": True}, {"enable": True, "host": "0.0.0.0"}, None, "loopback"),
    ],
)
def test_management_command_refusals(
    django_settings, monkeypatch, overrides, options, env, message
):
    from django.core.management import CommandError, call_command
    from django.test import override_settings

    from django_authsignal_sms.management.commands.authsignal_sms_emulator import Command

    if env is None:
        monkeypatch.delenv(ENABLE_ENV, raising=False)
    else:
        monkeypatch.setenv(ENABLE_ENV, env)
    keys = {"AUTHSIGNAL_SECRET_KEY": SECRET, "AUTHSIGNAL_TENANT_ID": TENANT}
    with override_settings(**{**keys, **overrides}), pytest.raises(CommandError, match=message):
        call_command(Command(), port=0, **options)


@pytest.mark.parametrize("api_url", [None, "http://127.0.0.1:1/v1/"])
def test_management_command_starts_the_server(django_settings, monkeypatch, tmp_path, api_url):
    from django.core.management import call_command
    from django.test import override_settings

    from django_authsignal_sms.management.commands import authsignal_sms_emulator as command

    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"fallbackState": "REVIEW_REQUIRED"}))
    started = []

    def run(server, write):
        started.append(server)
        server.stop()

    monkeypatch.setattr(command, "run_in_foreground", run)
    keys = {"AUTHSIGNAL_SECRET_KEY": SECRET, "AUTHSIGNAL_TENANT_ID": TENANT}
    stderr = io.StringIO()
    with override_settings(DEBUG=True, AUTHSIGNAL_API_URL=api_url, **keys):
        call_command(command.Command(), port=0, enable=True, rules=str(rules), stderr=stderr)
    [server] = started
    assert server.rules.fallback_state == "REVIEW_REQUIRED"
    warning = f"AUTHSIGNAL_API_URL is {api_url}, not {server.base_url}"
    assert (warning in stderr.getvalue()) == (api_url is not None)
