"""The fault switches: each mode, set from Python and over HTTP, as the real SDK sees it."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from authsignal.client import ApiException

from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import assert_envelope


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
