"""Authsignal failing: no login (unless FAIL_OPEN), a clear page and a log line."""

from __future__ import annotations

import re

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import override_settings

from tests.conftest import log_in, pending_mark, refusal_page

pytestmark = pytest.mark.django_db

FAULTS = {
    "timeout": {"body": requests.ReadTimeout("slow")},
    "refused": {"body": requests.ConnectionError("refused")},
    "401": {
        "status": 401,
        "json": {
            "error": "unauthorized",
            "errorCode": "unauthorized",
            "errorDescription": "bad key",
        },
    },
    "429": {"status": 429, "json": {"error": "too_many_requests"}},
    "500": {"status": 500, "body": "boom"},
    "503": {"status": 503, "body": "down"},
    "html": {"status": 200, "body": "<html></html>", "content_type": "text/html"},
    "missing_state": {"status": 200, "json": {"idempotencyKey": "k", "token": "t"}},
    "challenge_without_token": {
        "status": 200,
        "json": {
            "state": "CHALLENGE_REQUIRED",
            "idempotencyKey": "k",
            "isEnrolled": True,
            "enrolledVerificationMethods": ["SMS"],
        },
    },
}
# Authsignal could not be reached or failed: the only faults FAIL_OPEN opens on. The others are
# answers (a wrong key, rate limiting an attacker can provoke, a broken reply) and stay closed.
UNREACHABLE = ["timeout", "refused", "500", "503"]


def _fault(authsignal, name):
    authsignal.mock.upsert(
        "POST", re.compile(r"https://authsignal\.test/v1/users/\d+/actions/signIn"), **FAULTS[name]
    )


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fail_closed_by_default(client, user, authsignal, fault, caplog, sent):
    _fault(authsignal, fault)
    page = refusal_page(client, log_in(client, next_url="/protected/"))
    assert b"could not check this sign-in" in page.content
    assert b'href="/accounts/login/?next=%2Fprotected%2F"' in page.content
    assert client.get("/protected/").status_code == 302
    assert pending_mark(client) is None
    assert "authsignal_error" in caplog.text
    assert "+15005550006" not in caplog.text
    assert len(sent["authsignal_error"]) == 1
    assert sent["authsignal_error"][0]["failed_open"] is False


@pytest.mark.parametrize("fault", UNREACHABLE)
def test_fail_open_when_set_and_authsignal_cannot_be_reached(
    client, user, authsignal, fault, caplog, sent
):
    _fault(authsignal, fault)
    with override_settings(AUTHSIGNAL_SMS={"FAIL_OPEN": True}):
        log_in(client)
        assert client.get("/protected/").status_code == 200
    assert "failed_open=True" in caplog.text
    assert sent["authsignal_error"][0]["failed_open"] is True


@pytest.mark.parametrize("fault", sorted(set(FAULTS) - set(UNREACHABLE)))
def test_fail_open_never_opens_on_an_answer(client, user, authsignal, fault, sent):
    _fault(authsignal, fault)
    with override_settings(AUTHSIGNAL_SMS={"FAIL_OPEN": True}):
        response = log_in(client)
        assert response["Location"] == "/mfa/denied/"
        assert SESSION_KEY not in client.session
        assert client.get("/protected/").status_code == 302
    assert sent["authsignal_error"][0]["failed_open"] is False


def test_a_retry_after_the_fault_clears_works(client, user, authsignal):
    _fault(authsignal, "503")
    log_in(client)
    client.get("/mfa/denied/")
    authsignal.on_track("ALLOW")
    log_in(client)
    assert client.get("/protected/").status_code == 200


def test_an_unexpected_bug_fails_closed(client, user, authsignal, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("django_authsignal_sms.client.track_sign_in", broken)
    response = log_in(client)
    assert response["Location"] == "/mfa/denied/"
    assert SESSION_KEY not in client.session
    assert "unexpected error" in caplog.text
