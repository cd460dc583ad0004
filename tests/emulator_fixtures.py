"""The project's emulator fixtures: names the suite has always used, over the toolkit's pytest
plugin (django_authsignal_sms.testing.pytest_plugin), plus small helpers for raw calls."""

from __future__ import annotations

import json

import pytest
import requests
from authsignal.client import AuthsignalClient

from django_authsignal_sms.testing import EMULATOR_SECRET_KEY, EMULATOR_TENANT_ID

__all__ = ["EMULATOR_SECRET_KEY", "EMULATOR_TENANT_ID"]

PHONE = "+64211234567"
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture(scope="session")
def emulator_server(authsignal_emulator_server):
    """One emulator for the whole session, on a free loopback port (the plugin's)."""
    return authsignal_emulator_server


@pytest.fixture
def emulator(authsignal_emulator):
    """The session emulator with all state wiped (users, outbox, clock, faults, rules, variants)
    and the app's settings pointed at it; faults are cleared after the test."""
    return authsignal_emulator


@pytest.fixture
def emulator_sdk(emulator):
    """The real Python SDK, pointed at the per-test emulator."""
    return AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)


def enroll(sdk, user_id="u1", phone=PHONE):
    """Enroll a verified SMS authenticator on the server (no code sent); returns it."""
    attributes = {"verificationMethod": "SMS", "phoneNumber": phone}
    return sdk.enroll_verified_authenticator(user_id, attributes)["authenticator"]


def client_post(emulator, token, path, body=None, **headers):
    """POST to the client API (`path` after /v1/client/) as the browser SDK does."""
    return requests.post(
        f"{emulator.base_url}/client/{path}",
        headers={"Authorization": f"Bearer {token}", **JSON_HEADERS, **headers},
        data=None if body is None else json.dumps(body),
        timeout=5,
    )


def challenged(sdk, emulator, user_id="u1", channel="sms"):
    """Enroll, track and send a code; returns the track reply."""
    enroll(sdk, user_id)
    tracked = sdk.track(user_id, "signIn")
    assert client_post(emulator, tracked["token"], f"challenge/{channel}").status_code == 200
    return tracked


def verify(emulator, token, code, channel="sms"):
    """Verify a code through the client API; returns the 200 reply's body."""
    reply = client_post(emulator, token, f"verify/{channel}", {"verificationCode": code})
    assert reply.status_code == 200, reply.text
    return reply.json()


def wrong(code):
    """Another six-digit code."""
    return f"{(int(code) + 1) % 10**6:06d}"


def assert_envelope(reply, status, code):
    """The reply is Authsignal's error envelope with this status and code."""
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    body = reply.json()
    assert body["error"] == body["errorCode"] == code
    assert body["errorDescription"]
