"""Faults: Authsignal timing out, refusing connections, answering 401/429/500/503, HTML, JSON
without the promised fields or with an unknown state, at track AND at validate.

For each: fail closed (FAIL_OPEN only ever opens track), a page that says what happened, a log
line with the cause and no unmasked phone number, the signal, no pending mark left that could
later be completed, and a retry after the fault clears that works. tests/test_failure_policy.py
already covers track's page, log and FAIL_OPEN; here track gets the last two points, validate
gets all of them, first through ``responses`` and then through the emulator's fault switches
with the real SDK over real HTTP.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from authsignal.client import AuthsignalClient
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.conftest import API, log_in, pending_mark, start_pending
from tests.emulator_fixtures import EMULATOR_SECRET_KEY, EMULATOR_TENANT_ID

pytestmark = pytest.mark.django_db

PHONE = "+15005550006"  # alice's number: must never be logged unmasked
MASKED_PHONE = "phone=+15*******06"  # how track's log lines show it
OUTAGE_PAGE = b"We could not check this sign-in"
REFUSED_PAGE = b"Sign-in not completed"
BLOCKED_PAGE = b"Sign-in blocked"

# name: (how responses answers, the reason logged). A reason of None: not an error but an
# answer the app refuses (logged as a decision, signalled as blocked / challenge_failed).
TRACK_FAULTS: dict[str, tuple[dict[str, Any], str | None]] = {
    "timeout": ({"body": requests.ReadTimeout("slow")}, "timeout"),
    "connect-timeout": ({"body": requests.ConnectTimeout("slow")}, "timeout"),
    "refused": ({"body": requests.ConnectionError("refused")}, "unavailable"),
    "401": (
        {"status": 401, "json": {"error": "unauthorized", "errorCode": "unauthorized"}},
        "http_error",
    ),
    "429": ({"status": 429, "json": {"error": "too_many_requests"}}, "http_error"),
    "500": ({"status": 500, "body": "boom"}, "http_error"),
    "503": ({"status": 503, "body": "down"}, "http_error"),
    "html": ({"status": 200, "body": "<html></html>", "content_type": "text/html"}, "malformed"),
    "json-missing-fields": ({"status": 200, "json": {"token": "t"}}, "malformed"),
    "json-not-an-object": ({"status": 200, "json": ["ALLOW"]}, "malformed"),
    "unknown-state": (
        {"status": 200, "json": {"state": "SOMETHING_NEW", "idempotencyKey": "k"}},
        None,
    ),
}
VALIDATE_FAULTS: dict[str, tuple[dict[str, Any], str | None]] = {
    **{
        name: TRACK_FAULTS[name]
        for name in ("timeout", "connect-timeout", "refused", "401", "429", "500", "503", "html")
    },
    "json-missing-fields": ({"status": 200, "json": {"state": "CHALLENGE_SUCCEEDED"}}, "malformed"),
    "json-not-an-object": ({"status": 200, "json": [True]}, "malformed"),
    "isValid-not-a-bool": ({"status": 200, "json": {"isValid": "true"}}, "malformed"),
    "missing-state": ({"status": 200, "json": {"isValid": True, "userId": "1"}}, None),
    "unknown-state": ({"status": 200, "json": {"isValid": True, "state": "SOMETHING_NEW"}}, None),
}


@pytest.fixture(autouse=True)
def _decisions_are_logged_at_info(caplog):
    caplog.set_level(logging.INFO, logger="django_authsignal_sms")


def assert_logged_without_phone(caplog, cause, refusal):
    """A log line with the cause (or the refused answer), and the phone never in clear."""
    if cause:
        assert "authsignal_error user_id=" in caplog.text
        assert f"reason={cause}" in caplog.text
    else:
        assert refusal in caplog.text
    for record in caplog.records:
        assert PHONE not in record.getMessage()
        assert PHONE not in str(getattr(record, "authsignal_sms", ""))


def finish_a_fresh_login(user, authsignal, idem="idem-retry"):
    """The retry once Authsignal is back: password, code, logged in."""
    browser = Client()
    start_pending(browser, authsignal, idem=idem)
    authsignal.on_validate(str(user.pk))
    assert browser.post("/mfa/callback/", {"token": "verified"}).status_code == 302
    assert browser.session[SESSION_KEY] == str(user.pk)


# Track, through responses


@pytest.mark.parametrize("fault", TRACK_FAULTS)
def test_a_track_fault_leaves_nothing_to_complete_and_a_retry_works(
    client, user, authsignal, sent, caplog, fault
):
    answer, cause = TRACK_FAULTS[fault]
    authsignal.mock.upsert("POST", f"{API}/users/{user.pk}/actions/signIn", **answer)
    response = log_in(client, next_url="/protected/")
    assert response["Location"] == "/mfa/denied/"
    assert SESSION_KEY not in client.session
    assert pending_mark(client)["outcome"] in ("error", "blocked")
    if cause:
        [error] = sent["authsignal_error"]
        assert error["failed_open"] is False and error["error"].reason == cause
    else:
        assert [s["state"] for s in sent["login_blocked"]] == ["SOMETHING_NEW"]
    assert_logged_without_phone(caplog, cause, "state=SOMETHING_NEW")
    assert MASKED_PHONE in caplog.text
    # Whatever Authsignal would say about a token now, this session has nothing to complete.
    authsignal.on_validate(str(user.pk))
    assert client.post("/mfa/callback/", {"token": "verified"}).status_code == 400
    assert SESSION_KEY not in client.session
    page = client.get("/mfa/denied/")
    assert page.status_code in (302, 403)
    finish_a_fresh_login(user, authsignal)


# Validate, through responses


@pytest.mark.parametrize("fail_open", [False, True], ids=["default", "FAIL_OPEN"])
@pytest.mark.parametrize("fault", VALIDATE_FAULTS)
def test_a_validate_fault_fails_closed(
    pending, user, authsignal, settings, sent, caplog, fault, fail_open
):
    settings.AUTHSIGNAL_SMS = {"FAIL_OPEN": fail_open}
    answer, cause = VALIDATE_FAULTS[fault]
    authsignal.mock.upsert("POST", f"{API}/validate", **answer)
    response = pending.post("/mfa/callback/", {"token": "verified"})
    assert SESSION_KEY not in pending.session
    assert pending_mark(pending) is None
    if cause:
        assert response.status_code == 503
        assert OUTAGE_PAGE in response.content
        [error] = sent["authsignal_error"]
        assert error["failed_open"] is False and error["error"].reason == cause
    else:
        assert response.status_code == 403
        assert REFUSED_PAGE in response.content
        assert [s["reason"] for s in sent["challenge_failed"]] == ["wrong_state"]
    assert b'href="/accounts/login/?next=%2Fprotected%2F"' in response.content
    assert_logged_without_phone(caplog, cause, "reason=wrong_state")
    assert pending.get("/protected/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("fault", VALIDATE_FAULTS)
def test_after_a_validate_fault_the_token_is_spent_and_a_retry_works(
    pending, user, authsignal, fault
):
    answer, _ = VALIDATE_FAULTS[fault]
    authsignal.mock.upsert("POST", f"{API}/validate", **answer)
    pending.post("/mfa/callback/", {"token": "verified"})
    authsignal.on_validate(str(user.pk))  # Authsignal is back and would accept the token
    assert pending.post("/mfa/callback/", {"token": "verified"}).status_code == 400
    assert SESSION_KEY not in pending.session
    finish_a_fresh_login(user, authsignal)


# The same kinds through the emulator: the real SDK, real HTTP, the emulator's fault switches.

EMULATOR_MODES = {
    "timeout": "timeout",
    "refuse": "unavailable",
    "status:401": "http_error",
    "status:429": "http_error",
    "status:500": "http_error",
    "status:503": "http_error",
    "html": "malformed",
    "charset": "malformed",  # the SDK cannot read "application/json; charset=utf-8"
    "missing_fields": "malformed",
    "unknown_state": None,
}


@pytest.fixture
def live(emulator, settings, user):
    """The app pointed at the emulator; alice has a verified SMS authenticator there."""
    settings.AUTHSIGNAL_API_URL = emulator.base_url
    settings.AUTHSIGNAL_SECRET_KEY = EMULATOR_SECRET_KEY
    settings.AUTHSIGNAL_TENANT_ID = EMULATOR_TENANT_ID
    sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)
    sdk.enroll_verified_authenticator(
        str(user.pk), {"verificationMethod": "SMS", "phoneNumber": user.phone_number}
    )
    return emulator


def browser_verifies_the_code(emulator, browser, user):
    """What the page's script does with the browser SDK: send the SMS, verify the code."""
    headers = {"Authorization": f"Bearer {pending_mark(browser)['token']}"}
    client_api = f"{emulator.base_url}/client"
    assert requests.post(f"{client_api}/challenge/sms", headers=headers, json={}, timeout=5).ok
    code = emulator.latest_code(str(user.pk))
    reply = requests.post(
        f"{client_api}/verify/sms", headers=headers, json={"verificationCode": code}, timeout=5
    ).json()
    assert reply["isVerified"] is True
    return reply["accessToken"]


def live_login(live, user):
    browser = Client()
    assert log_in(browser)["Location"].startswith("/mfa/challenge/")
    return browser, browser_verifies_the_code(live, browser, user)


def assert_retry_works(live, user):
    browser, token = live_login(live, user)
    assert browser.post("/mfa/callback/", {"token": token}).status_code == 302
    assert browser.session[SESSION_KEY] == str(user.pk)


def switch_on(live, settings, mode, route):
    """The fault on one route; for a timeout, a short TIMEOUT so the test does not wait 5 s."""
    live.set_fault(mode, routes=[route])
    if mode == "timeout":
        settings.AUTHSIGNAL_SMS = {"TIMEOUT": 0.5}


def switch_off(live, settings):
    live.clear_faults()
    settings.AUTHSIGNAL_SMS = {}


@pytest.mark.parametrize("mode", EMULATOR_MODES)
def test_emulator_track_fault(live, client, user, settings, sent, caplog, mode):
    switch_on(live, settings, mode, "track")
    response = log_in(client)
    assert response["Location"] == "/mfa/denied/"
    assert SESSION_KEY not in client.session
    cause = EMULATOR_MODES[mode]
    page = client.get("/mfa/denied/")
    assert page.status_code == 403
    assert (OUTAGE_PAGE if cause else BLOCKED_PAGE) in page.content
    if cause:
        assert [e["error"].reason for e in sent["authsignal_error"]] == [cause]
    else:
        assert [s["state"] for s in sent["login_blocked"]] == ["SOMETHING_NEW"]
    assert_logged_without_phone(caplog, cause, "state=SOMETHING_NEW")
    assert MASKED_PHONE in caplog.text
    assert pending_mark(client) is None
    switch_off(live, settings)
    assert_retry_works(live, user)


@pytest.mark.parametrize("mode", EMULATOR_MODES)
def test_emulator_validate_fault(live, user, settings, sent, caplog, mode):
    browser, token = live_login(live, user)
    switch_on(live, settings, mode, "validate")
    response = browser.post("/mfa/callback/", {"token": token})
    assert SESSION_KEY not in browser.session
    assert pending_mark(browser) is None
    cause = EMULATOR_MODES[mode] if mode != "missing_fields" else None  # no state: not valid
    if cause:
        assert response.status_code == 503 and OUTAGE_PAGE in response.content
        assert [e["error"].reason for e in sent["authsignal_error"]] == [cause]
    else:
        assert response.status_code == 403 and REFUSED_PAGE in response.content
        assert [s["reason"] for s in sent["challenge_failed"]] == ["wrong_state"]
    assert_logged_without_phone(caplog, cause, "reason=wrong_state")
    switch_off(live, settings)
    # The emulator would now validate the same token: the spent mark still refuses it.
    assert browser.post("/mfa/callback/", {"token": token}).status_code == 400
    assert SESSION_KEY not in browser.session
    assert_retry_works(live, user)
