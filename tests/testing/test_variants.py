"""The emulator's documented defaults and every value of every variant (undocumented behaviour),
driven by the real Python SDK and raw HTTP."""

from __future__ import annotations

import pytest
import requests
from authsignal.client import ApiException, AuthsignalClient

from django_authsignal_sms.testing import VARIANTS, VERIFICATION_METHODS, EmulatorServer, Rules
from django_authsignal_sms.testing import __main__ as cli
from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import EMULATOR_TENANT_ID as TENANT
from tests.emulator_fixtures import (
    JSON_HEADERS,
    PHONE,
    assert_envelope,
    client_post,
    enroll,
    verify,
)

TRACK_STATES = ("ALLOW", "BLOCK", "CHALLENGE_REQUIRED", "REVIEW_REQUIRED")
ACTIONS = ("signIn", "withdrawFunds", "addPayee", "x")
WHATSAPP_TOO = {"allowedVerificationMethods": ["SMS", "WHATSAPP"]}
ORIGIN = "http://127.0.0.1:9999"
DEFAULTS = {
    "unenrolled": "allow",
    "allow_verified": "challenge_succeeded",
    "bad_token": "expired_token",
    "review_challenge": "refused",
    "unknown_path": "missing_token",
    "known_device": "after_track",
    "after_review": "reviews_again",
    "passkey_failure": "not_verified",
}

# What each variant value does; a test below checks that every value of VARIANTS is here.
UNENROLLED = {  # value: {state the rules give: state an unenrolled user gets}
    "allow": dict.fromkeys(TRACK_STATES, "ALLOW"),
    "rules_can_deny": {
        "ALLOW": "ALLOW",
        "BLOCK": "BLOCK",
        "CHALLENGE_REQUIRED": "ALLOW",
        "REVIEW_REQUIRED": "REVIEW_REQUIRED",
    },
}
ALLOW_VERIFIED = {  # value: (state after a verify, isValid after it, isValid before any verify)
    "challenge_succeeded": ("CHALLENGE_SUCCEEDED", True, False),
    "allow_valid": ("ALLOW", True, True),
    "allow_invalid": ("ALLOW", False, False),
}
BAD_TOKEN = {  # value: (status, errorCode or None for a 200 body)
    "expired_token": (401, "expired_token"),
    "invalid_request": (400, "invalid_request"),
    "not_valid": (200, None),
}
REVIEW_CHALLENGE = {  # value: (state after a verify, isValid after it), None if refused
    "refused": None,
    "succeeds": ("CHALLENGE_SUCCEEDED", True),
    "stays_review": ("REVIEW_REQUIRED", False),
}
UNKNOWN_PATH = {
    "missing_token": (403, {"message": "Missing Authentication Token"}),
    "not_found": (404, {"message": "Not Found"}),
}
KNOWN_DEVICE = {  # value: (new again at a 2nd track, new after a passed challenge)
    "after_track": (False, False),
    "after_challenge": (True, False),
}
AFTER_REVIEW = {  # value: the state of the user's next track after an approved review
    "reviews_again": "REVIEW_REQUIRED",
    "remembers": "CHALLENGE_REQUIRED",
}
PASSKEY_FAILURE = {  # value: (status, errorCode or None for a 200 body) of a failed passkey
    "not_verified": (200, None),
    "invalid_credential": (400, "invalid_credential"),
}
EXPECTATIONS = {
    "unenrolled": UNENROLLED,
    "allow_verified": ALLOW_VERIFIED,
    "bad_token": BAD_TOKEN,
    "review_challenge": REVIEW_CHALLENGE,
    "unknown_path": UNKNOWN_PATH,
    "known_device": KNOWN_DEVICE,
    "after_review": AFTER_REVIEW,
    "passkey_failure": PASSKEY_FAILURE,
}
ALL_VALUES = [(name, value) for name, values in VARIANTS.items() for value in values]


def admin(emulator, method, name, **options):
    return requests.request(method, f"{emulator.url}/_emulator/{name}", timeout=5, **options)


def raw_validate(emulator, body):
    return requests.post(f"{emulator.base_url}/validate", auth=(SECRET, ""), json=body, timeout=5)


def clock_now(emulator):
    return admin(emulator, "GET", "clock").json()["now"]


# Setting variants


def test_every_variant_value_has_an_expectation_here():
    assert {name: tuple(table) for name, table in EXPECTATIONS.items()} == VARIANTS
    assert {name: values[0] for name, values in VARIANTS.items()} == DEFAULTS


def test_the_defaults_are_the_first_values(emulator):
    assert emulator.variants == DEFAULTS
    assert admin(emulator, "GET", "variants").json() == DEFAULTS


@pytest.mark.parametrize(("name", "value"), ALL_VALUES)
def test_each_value_can_be_set_every_way(emulator, name, value):
    expected = {**DEFAULTS, name: value}
    emulator.set_variants({name: value})
    assert emulator.variants == expected
    emulator.reset()
    assert emulator.variants == DEFAULTS
    assert admin(emulator, "PUT", "variants", json={name: value}).json() == expected
    assert admin(emulator, "GET", "variants").json() == expected
    server = EmulatorServer(
        secret_key=SECRET, tenant_id=TENANT, variants={name: value}, enabled=True
    )
    try:
        server.set_variants(DEFAULTS)
        server.reset()
        assert server.variants == expected
    finally:
        server.stop()


def test_changing_variants_keeps_the_others(emulator):
    emulator.set_variants({"bad_token": "not_valid"})
    emulator.set_variants({"unknown_path": "not_found"})
    reply = admin(emulator, "PUT", "variants", json={"allow_verified": "allow_valid"})
    assert reply.json() == {
        **DEFAULTS,
        "bad_token": "not_valid",
        "unknown_path": "not_found",
        "allow_verified": "allow_valid",
    }
    variants = emulator.variants
    variants["bad_token"] = "changed outside"
    assert emulator.variants["bad_token"] == "not_valid"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"nope": "x"}, "Unknown variant 'nope'; known: unenrolled, allow_verified"),
        ({"bad_token": "nope"}, "bad_token: 'nope' is not one of expired_token"),
        ({"unenrolled": None}, "unenrolled: None is not one of allow, rules_can_deny"),
        ({"bad_token": "not_valid", "x": "y"}, "Unknown variant 'x'"),
        ([["bad_token", "not_valid"]], "must be a JSON object"),
    ],
)
def test_bad_variants_are_refused(emulator, body, message):
    reply = admin(emulator, "PUT", "variants", json=body)
    assert_envelope(reply, 400, "invalid_request")
    assert message in reply.json()["errorDescription"]
    python_message = message.split(";")[0] if isinstance(body, dict) else "must be an object"
    with pytest.raises(ValueError, match=python_message):
        emulator.set_variants(body)
    with pytest.raises(ValueError, match=python_message):
        EmulatorServer(secret_key=SECRET, tenant_id=TENANT, variants=body, enabled=True)
    assert emulator.variants == DEFAULTS


def test_reset_goes_back_to_the_start_variants():
    start = {"bad_token": "not_valid"}
    with EmulatorServer(
        secret_key=SECRET, tenant_id=TENANT, variants=start, enabled=True
    ) as server:
        url = f"{server.url}/_emulator"
        requests.put(f"{url}/variants", json={"bad_token": "invalid_request"}, timeout=5)
        assert server.variants["bad_token"] == "invalid_request"
        requests.post(f"{url}/reset", timeout=5)
        assert requests.get(f"{url}/variants", timeout=5).json() == {**DEFAULTS, **start}


def test_command_line_variants(monkeypatch, capsys):
    started = []

    def run(server, write):
        started.append(server)
        server.stop()

    monkeypatch.setattr(cli, "run_in_foreground", run)
    args = ["--port", "0", "--secret-key", SECRET, "--tenant-id", TENANT, "--enable"]
    variants = ["--variant", "bad_token=not_valid", "--variant", "unknown_path = not_found"]
    assert cli.main([*args, *variants, "--variant", "bad_token=invalid_request"]) == 0
    [server] = started
    assert server.variants == {
        **DEFAULTS,
        "bad_token": "invalid_request",
        "unknown_path": "not_found",
    }
    assert cli.main([*args, "--variant", "bad_token"]) == 2
    assert "--variant takes NAME=VALUE, not 'bad_token'" in capsys.readouterr().err
    assert cli.main([*args, "--variant", "nope=x"]) == 2
    assert "Unknown variant 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "bad_token=expired_token|invalid_request|not_valid" in capsys.readouterr().out


def test_management_command_variants(monkeypatch, settings):
    from django.core.management import CommandError, call_command

    from django_authsignal_sms.management.commands import authsignal_sms_emulator as command

    started = []

    def run(server, write):
        started.append(server)
        server.stop()

    monkeypatch.setattr(command, "run_in_foreground", run)
    settings.DEBUG = True
    settings.AUTHSIGNAL_SECRET_KEY, settings.AUTHSIGNAL_TENANT_ID = SECRET, TENANT
    settings.AUTHSIGNAL_API_URL = None
    chosen = ["review_challenge=succeeds", "unenrolled=rules_can_deny"]
    call_command(command.Command(), port=0, enable=True, variants=chosen)
    [server] = started
    assert server.variants == {
        **DEFAULTS,
        "review_challenge": "succeeds",
        "unenrolled": "rules_can_deny",
    }
    with pytest.raises(CommandError, match="review_challenge: 'maybe' is not one of"):
        call_command(command.Command(), port=0, enable=True, variants=["review_challenge=maybe"])


# Users without an authenticator (documented: ALLOW, isEnrolled false; variant: unenrolled)


@pytest.mark.parametrize("source", ["fallbackState", "defaultState", "users"])
@pytest.mark.parametrize("state", TRACK_STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_unenrolled_users_get_allow_for_every_action(emulator, sdk, source, state, action):
    rules = {
        "fallbackState": {"fallbackState": state},
        "defaultState": {"defaultState": {action: state}},
        "users": {"users": {"u1": state}},
    }[source]
    emulator.set_rules(rules)
    tracked = sdk.track("u1", action)
    assert (tracked["state"], tracked["is_enrolled"]) == ("ALLOW", False)
    assert tracked["enrolled_verification_methods"] == []
    assert "default_verification_method" not in tracked
    if state != "ALLOW":
        assert tracked["rule_ids"] == []
    assert sdk.get_action("u1", action, tracked["idempotency_key"])["state"] == "ALLOW"
    enroll(sdk)
    assert sdk.track("u1", action)["state"] == state  # the rule was in force


@pytest.mark.parametrize("value", VARIANTS["unenrolled"])
@pytest.mark.parametrize("state", TRACK_STATES)
def test_unenrolled_variant(emulator, sdk, value, state):
    emulator.set_variants({"unenrolled": value})
    emulator.set_rules({"users": {"u1": state}})
    tracked = sdk.track("u1", "withdrawFunds")
    expected = UNENROLLED[value][state]
    assert (tracked["state"], tracked["is_enrolled"]) == (expected, False)
    assert tracked["rule_ids"] == (["users:u1"] if expected == state else [])
    enroll(sdk)
    assert sdk.track("u1", "withdrawFunds")["state"] == state


@pytest.mark.parametrize("value", VARIANTS["unenrolled"])
def test_a_pending_enrollment_is_not_an_enrollment(emulator, sdk, value):
    emulator.set_variants({"unenrolled": value})
    token = sdk.track("u1", "signIn")["token"]
    reply = client_post(emulator, token, "user-authenticators/sms", {"phoneNumber": PHONE})
    assert reply.status_code == 200
    pending = sdk.track("u1", "signIn")
    assert (pending["state"], pending["is_enrolled"]) == ("ALLOW", False)
    assert verify(emulator, token, emulator.latest_code(to=PHONE))["isVerified"] is True
    enrolled = sdk.track("u1", "signIn")
    assert (enrolled["state"], enrolled["is_enrolled"]) == ("CHALLENGE_REQUIRED", True)


# New devices (when a device id stops being new is undocumented: variant known_device)


@pytest.mark.parametrize("value", VARIANTS["known_device"])
def test_known_device_variant(emulator, sdk, value):
    emulator.set_variants({"known_device": value})
    new_device = {"id": "new", "when": {"device.isNew": True}, "state": "CHALLENGE_REQUIRED"}
    emulator.set_rules({"fallbackState": "ALLOW", "rules": [new_device]})
    enroll(sdk)

    def is_new():
        return sdk.track("u1", "signIn", {"deviceId": "d1"})["state"] == "CHALLENGE_REQUIRED"

    first = sdk.track("u1", "signIn", {"deviceId": "d1"})
    assert (first["state"], first["rule_ids"]) == ("CHALLENGE_REQUIRED", ["rules:new"])
    new_again, new_after_challenge = KNOWN_DEVICE[value]
    assert is_new() is new_again
    emulator.pass_challenge(first["token"])
    assert is_new() is new_after_challenge


# Enrolled, allowed and default methods


def test_is_enrolled_counts_any_method(emulator, sdk):
    email = {"verificationMethod": "EMAIL_OTP", "email": "u1@example.com"}
    sdk.enroll_verified_authenticator("u1", email)
    tracked = sdk.track("u1", "signIn")
    user = sdk.get_user("u1")
    for reply in (tracked, user):
        assert reply["is_enrolled"] is True
        assert reply["enrolled_verification_methods"] == ["EMAIL_OTP"]
        assert reply["allowed_verification_methods"] == ["SMS"]
        assert reply["default_verification_method"] == "EMAIL_OTP"
    assert tracked["state"] == "CHALLENGE_REQUIRED"
    reply = client_post(emulator, tracked["token"], "challenge/sms")
    assert_envelope(reply, 400, "invalid_request")
    assert "no verified SMS authenticator" in reply.json()["errorDescription"]


def test_enrolled_methods_are_the_verified_authenticators(emulator, sdk):
    emulator.set_rules(WHATSAPP_TOO)
    enroll(sdk)
    sdk.enroll_verified_authenticator(
        "u1", {"verificationMethod": "EMAIL_OTP", "email": "u1@example.com"}
    )
    token = sdk.track("u1", "signIn")["token"]
    assert client_post(emulator, token, "challenge/whatsapp").status_code == 200
    assert verify(emulator, token, emulator.latest_code("u1"), "whatsapp")["isVerified"] is True
    tracked = sdk.track("u1", "signIn")
    assert tracked["enrolled_verification_methods"] == ["EMAIL_OTP", "SMS"]
    assert tracked["allowed_verification_methods"] == ["SMS", "WHATSAPP"]
    assert tracked["default_verification_method"] == "SMS"


def test_default_method_is_left_out_without_an_authenticator(emulator, sdk):
    raw = requests.get(f"{emulator.base_url}/users/u1", auth=(SECRET, ""), timeout=5).json()
    assert raw == {
        "userId": "u1",
        "isEnrolled": False,
        "enrolledVerificationMethods": [],
        "allowedVerificationMethods": ["SMS"],
        "emailVerified": False,
        "phoneNumberVerified": False,
    }
    authenticator = enroll(sdk)
    assert sdk.get_user("u1")["default_verification_method"] == "SMS"
    sdk.delete_authenticator("u1", authenticator["user_authenticator_id"])
    assert "default_verification_method" not in sdk.get_user("u1")
    assert "default_verification_method" not in sdk.track("u1", "signIn")


@pytest.mark.parametrize(
    ("rules", "sign_in", "withdraw", "tenant"),
    [
        ({}, ["SMS"], ["SMS"], ["SMS"]),
        (
            {"allowedVerificationMethods": ["EMAIL_OTP", "SMS", "WHATSAPP"]},
            ["EMAIL_OTP", "SMS", "WHATSAPP"],
            ["EMAIL_OTP", "SMS", "WHATSAPP"],
            ["EMAIL_OTP", "SMS", "WHATSAPP"],
        ),
        (
            {"actionVerificationMethods": {"withdrawFunds": ["WHATSAPP", "PASSKEY"]}},
            ["SMS"],
            ["WHATSAPP", "PASSKEY"],
            ["SMS"],
        ),
    ],
)
def test_allowed_methods_come_from_the_tenant_settings(
    emulator, sdk, rules, sign_in, withdraw, tenant
):
    emulator.set_rules(rules)
    enroll(sdk)
    assert sdk.track("u1", "signIn")["allowed_verification_methods"] == sign_in
    assert sdk.track("u1", "withdrawFunds")["allowed_verification_methods"] == withdraw
    assert sdk.get_user("u1")["allowed_verification_methods"] == tenant
    assert sdk.track("nobody", "withdrawFunds")["allowed_verification_methods"] == withdraw


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"allowedVerificationMethods": []}, "must be a non-empty list"),
        ({"allowedVerificationMethods": "SMS"}, "must be a non-empty list"),
        ({"allowedVerificationMethods": ["TOTP"]}, "Authsignal calls it AUTHENTICATOR_APP"),
        ({"allowedVerificationMethods": ["SMS", 3]}, "3 is not a verification method; use SMS"),
        ({"actionVerificationMethods": {"signIn": ["sms"]}}, "signIn: 'sms' is not"),
        ({"actionVerificationMethods": ["SMS"]}, "must map action codes to lists"),
    ],
)
def test_allowed_methods_are_checked(emulator, rules, message):
    with pytest.raises(ValueError, match=message):
        emulator.set_rules(rules)
    reply = admin(emulator, "PUT", "rules", json=rules)
    assert_envelope(reply, 400, "invalid_request")
    assert message in reply.json()["errorDescription"]
    assert emulator.rules.allowed_methods() == ("SMS",)


def test_every_method_name_is_accepted():
    rules = Rules.from_mapping({"allowedVerificationMethods": list(VERIFICATION_METHODS)})
    assert rules.allowed_methods("anything") == VERIFICATION_METHODS
    assert {"SMS", "WHATSAPP", "EMAIL_OTP", "PASSKEY", "AUTHENTICATOR_APP"} <= set(
        rules.to_mapping()["allowedVerificationMethods"]
    )


def test_whatsapp_is_refused_unless_the_action_allows_it(emulator, sdk):
    enroll(sdk)
    token = sdk.track("u1", "signIn")["token"]
    refused = client_post(emulator, token, "challenge/whatsapp")
    assert_envelope(refused, 400, "invalid_request")
    description = refused.json()["errorDescription"]
    assert "WHATSAPP is not an allowed verification method for the action 'signIn'" in description
    assert emulator.outbox() == []
    emulator.set_rules({"actionVerificationMethods": {"withdrawFunds": ["SMS", "WHATSAPP"]}})
    assert_envelope(client_post(emulator, token, "challenge/whatsapp"), 400, "invalid_request")
    other = sdk.track("u1", "withdrawFunds")["token"]
    sent = client_post(emulator, other, "challenge/whatsapp")
    assert sent.status_code == 200
    [message] = emulator.outbox()
    assert sent.json() == {"challengeId": message["challengeId"]}
    assert (message["channel"], message["to"]) == ("WHATSAPP", PHONE)


def test_sms_is_refused_when_the_action_only_allows_whatsapp(emulator, sdk):
    emulator.set_rules({"allowedVerificationMethods": ["WHATSAPP"]})
    fresh = sdk.track("new", "signIn")["token"]
    enrolling = client_post(emulator, fresh, "user-authenticators/sms", {"phoneNumber": PHONE})
    assert_envelope(enrolling, 400, "invalid_request")
    enroll(sdk)
    token = sdk.track("u1", "signIn")["token"]
    assert_envelope(client_post(emulator, token, "challenge/sms"), 400, "invalid_request")
    assert emulator.outbox() == []
    assert client_post(emulator, token, "challenge/whatsapp").status_code == 200
    assert [m["channel"] for m in emulator.outbox()] == ["WHATSAPP"]


# Validate: mismatches and actionCode


def test_validate_mismatches_over_raw_http(emulator, sdk):
    token = sdk.track("u1", "signIn")["token"]
    for body, error in [
        ({"token": token, "userId": "u2"}, "User is invalid."),
        ({"token": token, "action": "withdrawFunds"}, "Action is invalid."),
        ({"token": token, "userId": "u2", "action": "withdrawFunds"}, "User is invalid."),
    ]:
        reply = raw_validate(emulator, body)
        assert reply.status_code == 200
        assert reply.headers["Content-Type"] == "application/json"
        assert reply.json() == {"isValid": False, "error": error}


def test_validate_reply_carries_action_code(emulator, sdk):
    enroll(sdk)
    tracked = sdk.track("u1", "withdrawFunds")
    reply = raw_validate(emulator, {"token": tracked["token"], "userId": "u1"})
    body = reply.json()
    assert body == {
        "isValid": False,
        "state": "CHALLENGE_REQUIRED",
        "stateUpdatedAt": body["stateUpdatedAt"],
        "userId": "u1",
        "action": "withdrawFunds",
        "actionCode": "withdrawFunds",
        "idempotencyKey": tracked["idempotency_key"],
    }


# Unknown paths answer like the API gateway (variant: unknown_path)

UNKNOWN_PATHS = [
    "/client/challenge/sms",  # a browser baseUrl without /v1
    "/users/u1/actions/signIn",  # a server api_url without /v1
    "/v1/client/challenge/email",
    "/v1/nowhere",
    "/",
    "/_emulator/nope",
    "/_emulator/ui",  # the "no pre-built UI" route is gone
    "/ui",  # where track's url points
]


@pytest.mark.parametrize("value", VARIANTS["unknown_path"])
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_unknown_paths_answer_like_the_gateway(emulator, sdk, value, path):
    emulator.set_variants({"unknown_path": value})
    enroll(sdk)
    token = sdk.track("u1", "signIn")["token"]
    url = f"{emulator.url}{path}"
    headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN, **JSON_HEADERS}
    reply = requests.post(url, headers=headers, timeout=5)
    status, body = UNKNOWN_PATH[value]
    assert (reply.status_code, reply.json()) == (status, body)
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert requests.get(url, timeout=5).headers["Access-Control-Allow-Origin"] == "*"
    preflight_headers = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    preflight = requests.options(url, headers=preflight_headers, timeout=5)
    assert (preflight.status_code, preflight.content) == (204, b"")
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert emulator.outbox() == []


@pytest.mark.parametrize("value", VARIANTS["unknown_path"])
def test_the_python_sdk_without_v1(emulator, value):
    emulator.set_variants({"unknown_path": value})
    with pytest.raises(ApiException) as raised:
        AuthsignalClient(SECRET, api_url=emulator.url).track("u1", "signIn")
    error = raised.value
    assert (error.status_code, error.error_code, error.error_description) == (
        UNKNOWN_PATH[value][0],
        None,
        None,
    )
    assert emulator.stats()["requests"]["track"] == 0


def test_known_paths_keep_their_answers(emulator, sdk):
    wrong_method = requests.get(f"{emulator.base_url}/client/challenge/sms", timeout=5)
    assert_envelope(wrong_method, 405, "method_not_allowed")
    assert wrong_method.headers["Access-Control-Allow-Origin"] == "*"
    assert_envelope(
        requests.get(f"{emulator.url}/_emulator/reset", timeout=5), 405, "method_not_allowed"
    )
    no_server_preflight = requests.options(f"{emulator.base_url}/validate", timeout=5)
    assert_envelope(no_server_preflight, 404, "not_found")
    assert "Access-Control-Allow-Origin" not in no_server_preflight.headers
    assert admin(emulator, "GET", "variants").json() == DEFAULTS
    with pytest.raises(ApiException) as raised:
        sdk.get_action("u1", "signIn", "missing")
    assert (raised.value.status_code, raised.value.error_code) == (404, "not_found")


# A verified ALLOW action (variant: allow_verified)


@pytest.mark.parametrize("value", VARIANTS["allow_verified"])
def test_allow_verified_after_a_first_enrollment(emulator, sdk, value):
    emulator.set_variants({"allow_verified": value})
    state, valid_after, valid_before = ALLOW_VERIFIED[value]
    tracked = sdk.track("new", "signIn")
    key = tracked["idempotency_key"]
    assert (tracked["state"], tracked["is_enrolled"]) == ("ALLOW", False)
    before = sdk.validate_challenge({"token": tracked["token"]})
    assert (before["is_valid"], before["state"]) == (valid_before, "ALLOW")
    assert "verification_method" not in before
    body = {"phoneNumber": PHONE}
    assert client_post(emulator, tracked["token"], "user-authenticators/sms", body).ok
    emulator.advance_clock(60)
    result = verify(emulator, tracked["token"], emulator.latest_code(to=PHONE))
    assert result["isVerified"] is True and result["accessToken"].startswith("eyJ")
    assert result["userAuthenticator"]["phoneNumber"] == PHONE
    created_at = sdk.get_action("new", "signIn", key)["created_at"]
    for token in (result["accessToken"], tracked["token"]):
        validated = sdk.validate_challenge({"token": token, "userId": "new", "action": "signIn"})
        assert validated == {
            "is_valid": valid_after,
            "state": state,
            "state_updated_at": validated["state_updated_at"],
            "user_id": "new",
            "action": "signIn",
            "action_code": "signIn",
            "idempotency_key": key,
            "verification_method": "SMS",
        }
        assert (validated["state_updated_at"] == created_at) == (state == "ALLOW")
    action = sdk.get_action("new", "signIn", key)
    assert (action["state"], action["verification_method"]) == (state, "SMS")
    [authenticator] = sdk.get_authenticators("new")
    assert authenticator["last_verified_at"] == authenticator["verified_at"] > created_at


@pytest.mark.parametrize("value", VARIANTS["allow_verified"])
@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_allow_verified_after_a_challenge(emulator, sdk, value, channel):
    emulator.set_rules({**WHATSAPP_TOO, "fallbackState": "ALLOW"})
    emulator.set_variants({"allow_verified": value})
    state, valid_after, _ = ALLOW_VERIFIED[value]
    enrolled = enroll(sdk)
    tracked = sdk.track("u1", "signIn")
    assert (tracked["state"], tracked["is_enrolled"]) == ("ALLOW", True)
    assert client_post(emulator, tracked["token"], f"challenge/{channel}").status_code == 200
    emulator.advance_clock(120)
    started = clock_now(emulator)
    result = verify(emulator, tracked["token"], emulator.latest_code("u1"), channel)
    ended = clock_now(emulator)
    assert result == {"isVerified": True, "accessToken": result["accessToken"]}
    validated = sdk.validate_challenge({"token": result["accessToken"]})
    assert (validated["is_valid"], validated["state"]) == (valid_after, state)
    assert validated["verification_method"] == channel.upper()
    action = sdk.get_action("u1", "signIn", tracked["idempotency_key"])
    assert (action["state"], action["verification_method"]) == (state, channel.upper())
    [authenticator] = sdk.get_authenticators("u1")
    assert started <= authenticator["last_verified_at"] <= ended
    assert authenticator["verified_at"] == enrolled["verified_at"] < started


@pytest.mark.parametrize("value", VARIANTS["allow_verified"])
def test_allow_verified_leaves_challenges_alone(emulator, sdk, value):
    emulator.set_variants({"allow_verified": value})
    enroll(sdk)
    tracked = sdk.track("u1", "signIn")
    assert sdk.validate_challenge({"token": tracked["token"]})["is_valid"] is False
    assert client_post(emulator, tracked["token"], "challenge/sms").status_code == 200
    assert verify(emulator, tracked["token"], emulator.latest_code("u1"))["isVerified"] is True
    validated = sdk.validate_challenge({"token": tracked["token"]})
    assert (validated["is_valid"], validated["state"]) == (True, "CHALLENGE_SUCCEEDED")
    emulator.set_rules({"fallbackState": "BLOCK"})
    blocked = sdk.validate_challenge({"token": sdk.track("u1", "signIn")["token"]})
    assert (blocked["is_valid"], blocked["state"]) == (False, "BLOCK")


# Validate with a bad token (variant: bad_token)


def _bad_token(kind, emulator, sdk):
    if kind == "expired":
        token = sdk.track("u1", "signIn")["token"]
        emulator.advance_clock(600)
        return token
    if kind == "deleted_user":
        token = sdk.track("u1", "signIn")["token"]
        sdk.delete_user("u1")
        return token
    return {"garbage": "garbage", "jwt_shaped": "eyJ.eyJ.sig"}[kind]


@pytest.mark.parametrize("value", VARIANTS["bad_token"])
@pytest.mark.parametrize("kind", ["garbage", "jwt_shaped", "expired", "deleted_user"])
def test_bad_token_variant(emulator, sdk, value, kind):
    emulator.set_variants({"bad_token": value})
    token = _bad_token(kind, emulator, sdk)
    status, code = BAD_TOKEN[value]
    reply = raw_validate(emulator, {"token": token, "userId": "u1"})
    if code is None:
        assert (reply.status_code, reply.json()) == (200, {"isValid": False})
        assert sdk.validate_challenge({"token": token}) == {"is_valid": False}
        return
    assert_envelope(reply, status, code)
    with pytest.raises(ApiException) as raised:
        sdk.validate_challenge({"token": token})
    assert (raised.value.status_code, raised.value.error_code) == (status, code)


@pytest.mark.parametrize("value", VARIANTS["bad_token"])
def test_bad_token_variant_is_only_for_validate(emulator, sdk, value):
    emulator.set_variants({"bad_token": value})
    assert_envelope(raw_validate(emulator, {"userId": "u1"}), 400, "invalid_request")
    enroll(sdk)
    token = sdk.track("u1", "signIn")["token"]
    emulator.advance_clock(600)
    for path in ("challenge/sms", "verify/sms", "user-authenticators/sms"):
        expired = client_post(emulator, token, path, {"verificationCode": "1"})
        assert_envelope(expired, 401, "expired_token")


# A challenge on a REVIEW_REQUIRED action (variant: review_challenge)


@pytest.mark.parametrize("value", VARIANTS["review_challenge"])
@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_review_challenge_variant(emulator, sdk, value, channel):
    emulator.set_rules({**WHATSAPP_TOO, "fallbackState": "REVIEW_REQUIRED"})
    emulator.set_variants({"review_challenge": value})
    enroll(sdk)
    tracked = sdk.track("u1", "signIn")
    token, key = tracked["token"], tracked["idempotency_key"]
    assert tracked["state"] == "REVIEW_REQUIRED"
    reply = client_post(emulator, token, f"challenge/{channel}")
    expected = REVIEW_CHALLENGE[value]
    if expected is None:
        assert_envelope(reply, 400, "invalid_request")
        assert "This action is REVIEW_REQUIRED" in reply.json()["errorDescription"]
        assert emulator.outbox() == []
        body = {"verificationCode": "123456"}
        assert_envelope(
            client_post(emulator, token, f"verify/{channel}", body), 400, "invalid_request"
        )
        validated = sdk.validate_challenge({"token": token})
        assert (validated["is_valid"], validated["state"]) == (False, "REVIEW_REQUIRED")
        return
    [message] = emulator.outbox()
    assert reply.json() == {"challengeId": message["challengeId"]}
    assert message["channel"] == channel.upper()
    result = verify(emulator, token, message["code"], channel)
    assert result == {"isVerified": True, "accessToken": result["accessToken"]}
    state, valid = expected
    validated = sdk.validate_challenge({"token": result["accessToken"]})
    assert (validated["is_valid"], validated["state"]) == (valid, state)
    assert validated["verification_method"] == channel.upper()
    assert sdk.get_action("u1", "signIn", key)["state"] == state


@pytest.mark.parametrize("value", VARIANTS["review_challenge"])
def test_review_challenge_variant_also_governs_enrollment(emulator, sdk, value):
    emulator.set_variants({"review_challenge": value, "unenrolled": "rules_can_deny"})
    emulator.set_rules({"fallbackState": "REVIEW_REQUIRED"})
    token = sdk.track("new", "signIn")["token"]
    reply = client_post(emulator, token, "user-authenticators/sms", {"phoneNumber": PHONE})
    if REVIEW_CHALLENGE[value] is None:
        assert_envelope(reply, 400, "invalid_request")
        assert emulator.outbox() == []
    else:
        assert reply.json()["userId"] == "new"
        assert [m["to"] for m in emulator.outbox()] == [PHONE]


@pytest.mark.parametrize("value", VARIANTS["review_challenge"])
def test_blocked_actions_stay_closed_in_every_review_variant(emulator, sdk, value):
    emulator.set_rules({"fallbackState": "BLOCK"})
    emulator.set_variants({"review_challenge": value})
    enroll(sdk)
    token = sdk.track("u1", "signIn")["token"]
    assert_envelope(client_post(emulator, token, "challenge/sms"), 400, "invalid_request")
    assert emulator.outbox() == []
