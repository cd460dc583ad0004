"""Risk rules in the tenant settings (`rules`: conditions on a track's custom data and device)
and the `known_device` variant, driven by the real Python SDK over HTTP."""

from __future__ import annotations

import decimal
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from authsignal.client import ApiException

from django_authsignal_sms.testing import VARIANTS, EmulatorServer, Rules
from django_authsignal_sms.testing import __main__ as cli
from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import EMULATOR_TENANT_ID as TENANT
from tests.emulator_fixtures import assert_envelope, client_post, enroll, verify, wrong

GUIDE = Path(__file__).resolve().parents[2] / "docs/emulator.md"
TRANSFER = "transferMoney"
STEP_UP = {
    "fallbackState": "ALLOW",
    "rules": [
        {
            "id": "big-transfer",
            "action": TRANSFER,
            "when": {"custom.amount": {"gt": 1000}},
            "state": "CHALLENGE_REQUIRED",
        },
        {
            "id": "blocked-payee",
            "action": TRANSFER,
            "when": {"custom.payee": {"in": ["mallory"]}},
            "state": "BLOCK",
        },
    ],
}
NEW_DEVICE = {
    "fallbackState": "ALLOW",
    "rules": [{"id": "new-device", "when": {"device.isNew": True}, "state": "CHALLENGE_REQUIRED"}],
}


def one_rule(when: Any, state: str = "BLOCK") -> dict[str, Any]:
    """Tenant settings with a single risk rule `r` and ALLOW otherwise."""
    return {"fallbackState": "ALLOW", "rules": [{"id": "r", "when": when, "state": state}]}


def outcome(tracked: dict[str, Any]) -> tuple[str, list[str]]:
    return tracked["state"], tracked["rule_ids"]


def rules_url(emulator: EmulatorServer) -> str:
    return f"{emulator.url}/_emulator/rules"


# Operators


@pytest.mark.parametrize(
    ("condition", "matching", "not_matching"),
    [
        ("acme", "acme", "ACME"),  # a plain value means eq
        ({"eq": "acme"}, "acme", "acmeco"),
        ({"eq": 1250}, 1250.0, "1250"),  # compared as JSON values: "1250" is not 1250
        ({"eq": 1}, 1, True),  # and true is not 1
        (True, True, "true"),
        ({"eq": False}, False, 0),
        ({"ne": "acme"}, "bob", "acme"),
        ({"ne": 1}, True, 1.0),
        ({"gt": 1000}, 1000.5, 1000),
        ({"gte": 1000}, 1000, 999.99),
        ({"lt": 1000}, 999, 1000),
        ({"lt": 0}, -5, 0),
        ({"lte": 1000}, 1000, 1000.01),
        ({"in": ["mallory", "eve", 7]}, "eve", "bob"),
        ({"in": ["mallory", "eve", 7]}, 7, "7"),
        ({"notIn": ["mallory"]}, "bob", "mallory"),
    ],
)
def test_each_operator(emulator, sdk, condition, matching, not_matching):
    emulator.set_rules(one_rule({"custom.x": condition}))
    enroll(sdk)
    assert outcome(sdk.track("u1", TRANSFER, {"custom": {"x": matching}})) == ("BLOCK", ["rules:r"])
    assert outcome(sdk.track("u1", TRANSFER, {"custom": {"x": not_matching}})) == ("ALLOW", [])


# operator: (operand, a value that matches it)
MATCHED_BY = {
    "eq": (5, 5),
    "ne": (5, 6),
    "gt": (5, 6),
    "gte": (5, 5),
    "lt": (5, 4),
    "lte": (5, 5),
    "in": (["a"], "a"),
    "notIn": (["a"], "b"),
}


@pytest.mark.parametrize("operator", MATCHED_BY)
@pytest.mark.parametrize("custom", [None, {}, {"other": 5}, {"x": None}])
def test_a_missing_field_never_matches(emulator, sdk, operator, custom):
    operand, matching = MATCHED_BY[operator]
    emulator.set_rules(one_rule({"custom.x": {operator: operand}}))
    enroll(sdk)
    attributes = {} if custom is None else {"custom": custom}
    assert outcome(sdk.track("u1", TRANSFER, attributes)) == ("ALLOW", [])  # not even ne, notIn
    assert sdk.track("u1", TRANSFER, {"custom": {"x": matching}})["state"] == "BLOCK"


@pytest.mark.parametrize("operator", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("value", ["2000", True, [2000], {"value": 2000}, ""])
def test_a_non_number_never_matches_an_ordering(emulator, sdk, operator, value):
    emulator.set_rules(one_rule({"custom.x": {operator: 1000}}))
    enroll(sdk)
    assert sdk.track("u1", TRANSFER, {"custom": {"x": value}})["state"] == "ALLOW"
    number = 2000 if operator.startswith("gt") else 0
    assert sdk.track("u1", TRANSFER, {"custom": {"x": number}})["state"] == "BLOCK"


def test_the_python_sdk_sends_a_decimal_as_a_list(emulator, sdk):
    """authsignal 4.1 encodes a Decimal as a one-element list of its string: such an amount
    never matches gt, so a site must send numbers as int or float."""
    emulator.set_rules(STEP_UP)
    enroll(sdk)
    as_decimal = sdk.track("u1", TRANSFER, {"custom": {"amount": decimal.Decimal("1250.00")}})
    assert outcome(as_decimal) == ("ALLOW", [])
    as_float = sdk.track("u1", TRANSFER, {"custom": {"amount": float(decimal.Decimal("1250.00"))}})
    assert outcome(as_float) == ("CHALLENGE_REQUIRED", ["rules:big-transfer"])


# Combining conditions and rules


@pytest.mark.parametrize(
    "custom",
    [
        {"amount": 50, "payee": "acme"},
        {"amount": 1000, "payee": "acme"},
        {"amount": 500, "payee": "bob"},
        {"amount": 500},
    ],
)
def test_every_condition_of_a_rule_must_hold(emulator, sdk, custom):
    when = {"custom.amount": {"gte": 100, "lt": 1000}, "custom.payee": "acme"}
    emulator.set_rules(one_rule(when, "REVIEW_REQUIRED"))
    enroll(sdk)
    every_one = {"custom": {"amount": 500, "payee": "acme"}}
    assert outcome(sdk.track("u1", TRANSFER, every_one)) == ("REVIEW_REQUIRED", ["rules:r"])
    assert outcome(sdk.track("u1", TRANSFER, {"custom": custom})) == ("ALLOW", [])


def test_rules_apply_in_order_and_the_first_match_wins(emulator, sdk):
    enroll(sdk)
    emulator.set_rules(STEP_UP)
    both = {"custom": {"amount": 5000, "payee": "mallory"}}
    assert outcome(sdk.track("u1", TRANSFER, both)) == (
        "CHALLENGE_REQUIRED",
        ["rules:big-transfer"],
    )
    small = {"custom": {"amount": 5, "payee": "mallory"}}
    assert outcome(sdk.track("u1", TRANSFER, small)) == ("BLOCK", ["rules:blocked-payee"])
    neither = {"custom": {"amount": 5, "payee": "acme"}}
    assert outcome(sdk.track("u1", TRANSFER, neither)) == ("ALLOW", [])
    emulator.set_rules({**STEP_UP, "rules": STEP_UP["rules"][::-1]})
    assert outcome(sdk.track("u1", TRANSFER, both)) == ("BLOCK", ["rules:blocked-payee"])


def test_a_rule_with_an_action_applies_to_that_action_only(emulator, sdk):
    enroll(sdk)
    everywhere = {"id": "everywhere", "when": {"custom.flagged": True}, "state": "REVIEW_REQUIRED"}
    emulator.set_rules({**STEP_UP, "rules": [*STEP_UP["rules"], everywhere]})
    custom = {"custom": {"amount": 5000, "payee": "mallory"}}
    assert sdk.track("u1", TRANSFER, custom)["state"] == "CHALLENGE_REQUIRED"
    assert outcome(sdk.track("u1", "signIn", custom)) == ("ALLOW", [])
    flagged = {"custom": {"flagged": True}}
    assert outcome(sdk.track("u1", "signIn", flagged)) == ("REVIEW_REQUIRED", ["rules:everywhere"])
    assert outcome(sdk.track("u1", TRANSFER, flagged)) == ("REVIEW_REQUIRED", ["rules:everywhere"])


def test_user_rules_come_first_and_default_state_after(emulator, sdk):
    enroll(sdk, "alice")
    enroll(sdk, "bob", "+64211234568")
    emulator.set_rules(
        {
            **STEP_UP,
            "users": {"alice": {TRANSFER: "ALLOW"}},
            "defaultState": {TRANSFER: "REVIEW_REQUIRED"},
        }
    )
    big = {"custom": {"amount": 5000}}
    assert outcome(sdk.track("alice", TRANSFER, big)) == ("ALLOW", ["users:alice"])
    assert outcome(sdk.track("bob", TRANSFER, big)) == (
        "CHALLENGE_REQUIRED",
        ["rules:big-transfer"],
    )
    small = {"custom": {"amount": 5}}
    assert outcome(sdk.track("bob", TRANSFER, small)) == (
        "REVIEW_REQUIRED",
        [f"defaultState:{TRANSFER}"],
    )


def test_the_action_keeps_the_rule_that_decided(emulator, sdk):
    emulator.set_rules(STEP_UP)
    enroll(sdk)
    tracked = sdk.track("u1", TRANSFER, {"custom": {"amount": 5000}, "idempotencyKey": "t-1"})
    assert sdk.get_action("u1", TRANSFER, "t-1")["rule_ids"] == ["rules:big-transfer"]
    # A repeated idempotency key returns the action as decided, whatever the new custom data.
    again = sdk.track("u1", TRANSFER, {"custom": {"amount": 1}, "idempotencyKey": "t-1"})
    assert outcome(again) == outcome(tracked) == ("CHALLENGE_REQUIRED", ["rules:big-transfer"])


# Users without an authenticator (the `unenrolled` variant decides, as for the other rules)


@pytest.mark.parametrize("value", VARIANTS["unenrolled"])
@pytest.mark.parametrize("state", ["ALLOW", "BLOCK", "CHALLENGE_REQUIRED", "REVIEW_REQUIRED"])
def test_unenrolled_users_follow_the_unenrolled_variant(emulator, sdk, value, state):
    emulator.set_variants({"unenrolled": value})
    emulator.set_rules(
        {"rules": [{"id": "r", "when": {"custom.amount": {"gt": 1}}, "state": state}]}
    )
    big = {"custom": {"amount": 5000}, "deviceId": "d1"}
    tracked = sdk.track("u1", TRANSFER, big)
    kept = state == "ALLOW" or (value == "rules_can_deny" and state in ("BLOCK", "REVIEW_REQUIRED"))
    expected = (state, ["rules:r"]) if kept else ("ALLOW", [])
    assert (*outcome(tracked), tracked["is_enrolled"]) == (*expected, False)
    enroll(sdk)
    assert outcome(sdk.track("u1", TRANSFER, big)) == (state, ["rules:r"])


@pytest.mark.parametrize("value", VARIANTS["known_device"])
def test_unenrolled_users_are_not_challenged_on_a_new_device(emulator, sdk, value):
    emulator.set_variants({"known_device": value, "unenrolled": "rules_can_deny"})
    emulator.set_rules(NEW_DEVICE)
    tracked = sdk.track("u1", "signIn", {"deviceId": "d1"})
    assert (*outcome(tracked), tracked["is_enrolled"]) == ("ALLOW", [], False)
    enroll(sdk)
    challenged = ("CHALLENGE_REQUIRED", ["rules:new-device"])
    # after_track: the unenrolled user's track made d1 known.
    expected = ("ALLOW", []) if value == "after_track" else challenged
    assert outcome(sdk.track("u1", "signIn", {"deviceId": "d1"})) == expected
    assert outcome(sdk.track("u1", "signIn", {"deviceId": "d2"})) == challenged


# New devices and the known_device variant


def track_device(sdk, device_id: str | None, user_id: str = "u1") -> dict[str, Any]:
    attributes = {} if device_id is None else {"deviceId": device_id}
    return sdk.track(user_id, "signIn", attributes)


def is_new(sdk, device_id: str | None, user_id: str = "u1") -> bool:
    tracked = track_device(sdk, device_id, user_id)
    assert outcome(tracked) in (("CHALLENGE_REQUIRED", ["rules:new-device"]), ("ALLOW", []))
    return tracked["state"] == "CHALLENGE_REQUIRED"


def test_after_track_a_device_is_known_from_its_first_track(emulator, sdk):
    emulator.set_rules(NEW_DEVICE)
    enroll(sdk)
    enroll(sdk, "u2", "+64211234568")
    assert is_new(sdk, "d1") is True
    assert is_new(sdk, "d1") is False  # no challenge was passed: the track was enough
    assert is_new(sdk, "d2") is True
    assert is_new(sdk, "d1", "u2") is True  # devices are known per user
    assert is_new(sdk, "d1", "u2") is False


def test_after_challenge_a_device_is_known_once_a_challenge_passed_on_it(emulator, sdk):
    emulator.set_variants({"known_device": "after_challenge"})
    emulator.set_rules(NEW_DEVICE)
    enroll(sdk)
    first = track_device(sdk, "d1")
    assert outcome(first) == ("CHALLENGE_REQUIRED", ["rules:new-device"])
    assert is_new(sdk, "d1") is True  # tracked, never challenged
    emulator.pass_challenge(first["token"])
    assert is_new(sdk, "d1") is False
    assert is_new(sdk, "d2") is True


def test_after_challenge_a_failed_challenge_leaves_the_device_new(emulator, sdk):
    emulator.set_variants({"known_device": "after_challenge"})
    emulator.set_rules(NEW_DEVICE)
    enroll(sdk)
    token = track_device(sdk, "d1")["token"]
    assert client_post(emulator, token, "challenge/sms").status_code == 200
    code = emulator.latest_code(user_id="u1")
    for _ in range(5):
        verify(emulator, token, wrong(code))
    assert verify(emulator, token, code)["failureReason"] == "MAX_ATTEMPTS_EXCEEDED"
    assert is_new(sdk, "d1") is True


def test_after_challenge_a_server_update_to_challenge_succeeded_counts(emulator, sdk):
    emulator.set_variants({"known_device": "after_challenge"})
    emulator.set_rules(NEW_DEVICE)
    enroll(sdk)
    sdk.track("u1", "signIn", {"deviceId": "d1", "idempotencyKey": "k1"})
    sdk.update_action("u1", "signIn", "k1", {"state": "REVIEW_SUCCEEDED"})
    assert is_new(sdk, "d1") is True
    sdk.update_action("u1", "signIn", "k1", {"state": "CHALLENGE_SUCCEEDED"})
    assert is_new(sdk, "d1") is False


@pytest.mark.parametrize("allow_verified", VARIANTS["allow_verified"])
def test_after_challenge_a_verify_that_leaves_allow_leaves_the_device_new(
    emulator, sdk, allow_verified
):
    emulator.set_variants({"known_device": "after_challenge", "allow_verified": allow_verified})
    known = {"id": "known", "when": {"device.isNew": False}, "state": "BLOCK"}
    emulator.set_rules({"fallbackState": "ALLOW", "rules": [known]})
    enroll(sdk)
    allowed = sdk.track("u1", "signIn", {"deviceId": "d1"})
    assert outcome(allowed) == ("ALLOW", [])
    emulator.pass_challenge(allowed["token"])
    verified_state = sdk.get_action("u1", "signIn", allowed["idempotency_key"])["state"]
    known_now = verified_state == "CHALLENGE_SUCCEEDED"
    assert known_now is (allow_verified == "challenge_succeeded")
    expected = ("BLOCK", ["rules:known"]) if known_now else ("ALLOW", [])
    assert outcome(sdk.track("u1", "signIn", {"deviceId": "d1"})) == expected
    sdk.update_action("u1", "signIn", allowed["idempotency_key"], {"state": "CHALLENGE_SUCCEEDED"})
    assert outcome(sdk.track("u1", "signIn", {"deviceId": "d1"})) == ("BLOCK", ["rules:known"])


@pytest.mark.parametrize("value", VARIANTS["known_device"])
def test_a_track_without_a_device_id_is_a_new_device(emulator, sdk, value):
    emulator.set_variants({"known_device": value})
    emulator.set_rules(NEW_DEVICE)
    enroll(sdk)
    emulator.pass_challenge(track_device(sdk, None)["token"])
    assert is_new(sdk, None) is True
    assert is_new(sdk, "") is True  # an empty deviceId is no device id


@pytest.mark.parametrize("value", VARIANTS["known_device"])
def test_a_known_device_rule(emulator, sdk, value):
    emulator.set_variants({"known_device": value})
    known = {"id": "known", "when": {"device.isNew": {"eq": False}}, "state": "ALLOW"}
    emulator.set_rules({"fallbackState": "CHALLENGE_REQUIRED", "rules": [known]})
    enroll(sdk)
    first = sdk.track("u1", "signIn", {"deviceId": "d1"})
    assert outcome(first) == ("CHALLENGE_REQUIRED", [])
    emulator.pass_challenge(first["token"])
    assert outcome(sdk.track("u1", "signIn", {"deviceId": "d1"})) == ("ALLOW", ["rules:known"])


@pytest.mark.parametrize("value", VARIANTS["known_device"])
def test_deleting_the_user_or_a_reset_forgets_devices(emulator, sdk, value):
    emulator.set_variants({"known_device": value})
    emulator.set_rules(NEW_DEVICE)
    enroll(sdk)
    emulator.pass_challenge(track_device(sdk, "d1")["token"])
    assert is_new(sdk, "d1") is False
    sdk.delete_user("u1")
    enroll(sdk)
    assert is_new(sdk, "d1") is True
    emulator.pass_challenge(track_device(sdk, "d1")["token"])
    emulator.reset()
    emulator.set_rules(NEW_DEVICE)
    enroll(sdk)
    assert is_new(sdk, "d1") is True


@pytest.mark.parametrize(
    ("attributes", "field"),
    [({"custom": [1]}, "custom"), ({"custom": "x"}, "custom"), ({"deviceId": 7}, "deviceId")],
)
def test_track_refuses_wrongly_typed_risk_fields(emulator, sdk, attributes, field):
    with pytest.raises(ApiException) as raised:
        sdk.track("u1", TRANSFER, attributes)
    assert (raised.value.status_code, raised.value.error_code) == (400, "invalid_request")
    assert field in raised.value.error_description


# The rules JSON: validation, round trip, loading


BAD_RULES = [
    ({"rules": {"id": "r"}}, "rules must be a list"),
    ({"rules": ["r"]}, "rules[0] must be an object"),
    ({"rules": [{"id": "r", "when": {"custom.a": 1}}]}, "rules[0]: state required"),
    ({"rules": [{"id": "r", "when": {"custom.a": 1}, "state": "BLOCK", "x": 1}]}, "unknown keys"),
    ({"rules": [{"id": "", "when": {"custom.a": 1}, "state": "BLOCK"}]}, "rules[0].id must be"),
    ({"rules": [{"id": 3, "when": {"custom.a": 1}, "state": "BLOCK"}]}, "rules[0].id must be"),
    ({"rules": [{"id": "r", "when": {"custom.a": 1}, "state": "CHALLENGE"}]}, "'CHALLENGE' is not"),
    (
        {"rules": [{"id": "r", "when": {"custom.a": 1}, "state": "BLOCK", "action": "a b"}]},
        "rules[0].action: 'a b' is not an action code",
    ),
    ({"rules": [{"id": "r", "when": {}, "state": "BLOCK"}]}, "rules[0].when must be a non-empty"),
    ({"rules": [{"id": "r", "when": [], "state": "BLOCK"}]}, "rules[0].when must be a non-empty"),
    ({"rules": [{"id": "r", "when": {"amount": 1}, "state": "BLOCK"}]}, "unknown field"),
    ({"rules": [{"id": "r", "when": {"custom.": 1}, "state": "BLOCK"}]}, "unknown field"),
    ({"rules": [{"id": "r", "when": {"device.isKnown": True}, "state": "BLOCK"}]}, "unknown field"),
    (
        {"rules": [{"id": "r", "when": {"custom.a": {"greater": 1}}, "state": "BLOCK"}]},
        "unknown operator 'greater'",
    ),
    ({"rules": [{"id": "r", "when": {"custom.a": {}}, "state": "BLOCK"}]}, "needs an operator"),
    (
        {"rules": [{"id": "r", "when": {"custom.a": {"gt": "5"}}, "state": "BLOCK"}]},
        "rules[0].when.custom.a.gt must be a number",
    ),
    ({"rules": [{"id": "r", "when": {"custom.a": {"gt": True}}, "state": "BLOCK"}]}, "a number"),
    (
        {"rules": [{"id": "r", "when": {"custom.a": {"in": []}}, "state": "BLOCK"}]},
        "non-empty list",
    ),
    ({"rules": [{"id": "r", "when": {"custom.a": {"notIn": "x"}}, "state": "BLOCK"}]}, "list"),
    (
        {"rules": [{"id": "r", "when": {"custom.a": {"in": [["x"]]}}, "state": "BLOCK"}]},
        "is not a string, a number or a boolean",
    ),
    ({"rules": [{"id": "r", "when": {"custom.a": None}, "state": "BLOCK"}]}, "is not a string"),
    ({"rules": [{"id": "r", "when": {"custom.a": {"eq": {}}}, "state": "BLOCK"}]}, "is not a"),
    (
        {"rules": [{"id": "r", "when": {"device.isNew": "yes"}, "state": "BLOCK"}]},
        "device.isNew takes true or false",
    ),
    (
        {"rules": [{"id": "r", "when": {"device.isNew": {"gt": 1}}, "state": "BLOCK"}]},
        "device.isNew takes true or false",
    ),
    (
        {
            "rules": [
                {"id": "r", "when": {"custom.a": 1}, "state": "BLOCK"},
                {"id": "r", "when": {"custom.b": 1}, "state": "ALLOW"},
            ]
        },
        "rules[1].id: 'r' is already used",
    ),
]


@pytest.mark.parametrize(("rules", "message"), BAD_RULES)
def test_bad_rules_are_refused(emulator, rules, message):
    emulator.set_rules(STEP_UP)
    reply = requests.put(rules_url(emulator), json=rules, timeout=5)
    assert_envelope(reply, 400, "invalid_request")
    assert message in reply.json()["errorDescription"]
    with pytest.raises(ValueError, match="rules") as raised:
        emulator.set_rules(rules)
    assert message in str(raised.value)
    with pytest.raises(ValueError):
        EmulatorServer(secret_key=SECRET, tenant_id=TENANT, rules=rules, enabled=True)
    assert emulator.rules == Rules.from_mapping(STEP_UP)  # left as it was


def test_rules_round_trip_and_read_back_normalized(emulator):
    settings = {
        "rules": [
            {"id": "a", "when": {"custom.payee": "acme", "device.isNew": True}, "state": "ALLOW"},
            {
                "id": "b",
                "action": TRANSFER,
                "when": {"custom.n": {"gte": 1, "lt": 9}},
                "state": "BLOCK",
            },
            {"id": "c", "when": {"custom.p": {"notIn": ["x", 2, False]}}, "state": "BLOCK"},
        ]
    }
    rules = Rules.from_mapping(settings)
    assert Rules.from_mapping(rules.to_mapping()) == rules
    reply = requests.put(rules_url(emulator), json=settings, timeout=5)
    assert reply.status_code == 200, reply.text
    assert requests.get(rules_url(emulator), timeout=5).json()["rules"] == [
        {
            "id": "a",
            "when": {"custom.payee": {"eq": "acme"}, "device.isNew": {"eq": True}},
            "state": "ALLOW",
        },
        {
            "id": "b",
            "action": TRANSFER,
            "when": {"custom.n": {"gte": 1, "lt": 9}},
            "state": "BLOCK",
        },
        {"id": "c", "when": {"custom.p": {"notIn": ["x", 2, False]}}, "state": "BLOCK"},
    ]
    assert Rules().to_mapping()["rules"] == []


def test_reset_restores_the_start_rules(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(STEP_UP))
    with EmulatorServer(
        secret_key=SECRET, tenant_id=TENANT, rules=str(path), enabled=True
    ) as server:
        url = f"{server.url}/_emulator"
        replaced = requests.put(f"{url}/rules", json=NEW_DEVICE, timeout=5)
        assert replaced.json()["rules"][0]["id"] == "new-device"
        requests.post(f"{url}/reset", timeout=5)
        assert requests.get(f"{url}/rules", timeout=5).json()["rules"] == STEP_UP["rules"]
        server.set_rules(NEW_DEVICE)
        server.reset()
        assert server.rules == Rules.from_mapping(STEP_UP)


def test_command_line_loads_risk_rules(monkeypatch, tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(STEP_UP))
    started = []

    def run(server, write):
        started.append(server)
        server.stop()

    monkeypatch.setattr(cli, "run_in_foreground", run)
    args = ["--port", "0", "--secret-key", SECRET, "--tenant-id", TENANT, "--enable"]
    chosen = ["--variant", "known_device=after_challenge"]
    assert cli.main([*args, "--rules", str(path), *chosen]) == 0
    [server] = started
    assert server.rules == Rules.from_mapping(STEP_UP)
    assert server.variants["known_device"] == "after_challenge"


def test_command_line_refuses_bad_risk_rules(monkeypatch, capsys, tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(one_rule({"device.isNew": "yes"})))
    args = ["--port", "0", "--secret-key", SECRET, "--tenant-id", TENANT, "--enable"]
    assert cli.main([*args, "--rules", str(path)]) == 2
    assert "device.isNew takes true or false" in capsys.readouterr().err


def test_management_command_loads_risk_rules(monkeypatch, settings, tmp_path):
    from django.core.management import CommandError, call_command

    from django_authsignal_sms.management.commands import authsignal_sms_emulator as command

    path = tmp_path / "rules.json"
    path.write_text(json.dumps(NEW_DEVICE))
    started = []

    def run(server, write):
        started.append(server)
        server.stop()

    monkeypatch.setattr(command, "run_in_foreground", run)
    settings.DEBUG = True
    settings.AUTHSIGNAL_SECRET_KEY, settings.AUTHSIGNAL_TENANT_ID = SECRET, TENANT
    settings.AUTHSIGNAL_API_URL = None
    chosen = ["known_device=after_challenge"]
    call_command(command.Command(), port=0, enable=True, rules=str(path), variants=chosen)
    [server] = started
    assert server.rules == Rules.from_mapping(NEW_DEVICE)
    assert server.variants["known_device"] == "after_challenge"
    path.write_text(json.dumps(BAD_RULES[0][0]))
    with pytest.raises(CommandError, match="rules must be a list"):
        call_command(command.Command(), port=0, enable=True, rules=str(path))


def test_the_documented_settings_and_variants():
    guide = GUIDE.read_text()
    section = guide.split("\n## Tenant settings (the rules JSON)\n", 1)[1]
    example = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert example is not None
    rules = Rules.from_mapping(json.loads(example.group(1)))
    ids = [rule.rule_id for rule in rules.risk_rules]
    assert ids == ["big-transfer", "blocked-payee", "new-device"]
    for name, values in VARIANTS.items():
        row = ", ".join(f"`{value}`" for value in values)
        assert f"| `{name}` | {row} |" in guide
