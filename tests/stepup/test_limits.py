"""The step-up code page's limits, as the login's: one first send, a cooldown between resends,
MAX_RESENDS and MAX_FAILED_VERIFICATIONS end the pending step-up; the user stays signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from django_authsignal_sms.stepup.state import PENDING_KEY

pytestmark = pytest.mark.django_db

RESEND = "/mfa/step-up/resend/"
FAILED = "/mfa/step-up/failed/"


@pytest.fixture
def waiting(alice, rules, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "MAX_RESENDS": 2}
    rules.states["changeEmail"] = "CHALLENGE_REQUIRED"
    assert alice.get("/stepup-tests/email/")["Location"] == "/mfa/step-up/"
    return alice


def assert_ended_signed_in(client, response):
    assert response.status_code == 429
    assert response.json()["ended"] is True and response.json()["reason"] == "too_many"
    assert PENDING_KEY not in client.session
    assert client.session[SESSION_KEY]
    assert client.get("/mfa/step-up/").status_code == 400
    assert client.get("/stepup-tests/email/")["Location"] == "/mfa/step-up/"


def test_the_code_page_sends_the_first_code_once(waiting):
    page = waiting.get("/mfa/step-up/")
    assert page.context["auto_send"] is True
    assert waiting.post(RESEND, {"first": "1"}).json()["allowed"] is True
    again = waiting.post(RESEND, {"first": "1"})
    assert again.status_code == 409 and again.json()["reason"] == "already_sent"
    assert waiting.get("/mfa/step-up/").context["auto_send"] is False


def test_a_resend_waits_for_the_cooldown(waiting):
    waiting.post(RESEND, {"first": "1"})
    response = waiting.post(RESEND)
    assert response.status_code == 429 and response.json()["reason"] == "cooldown"
    assert 0 < response.json()["wait"] <= 30
    assert waiting.session[PENDING_KEY]["resends"] == 0


def test_too_many_resends_end_the_step_up_not_the_session(waiting, settings, sent):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "RESEND_COOLDOWN": 0}
    waiting.post(RESEND, {"first": "1"})
    for _ in range(2):
        assert waiting.post(RESEND).json()["allowed"] is True
    assert_ended_signed_in(waiting, waiting.post(RESEND))
    assert [s["reason"] for s in sent["step_up_failed"]] == ["too_many_resends"]
    assert sent["step_up_failed"][0]["action"] == "changeEmail"


def test_too_many_wrong_codes_end_the_step_up_not_the_session(waiting, settings, sent):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "MAX_FAILED_VERIFICATIONS": 3}
    assert waiting.post(FAILED).json() == {"ended": False, "attempts_left": 2}
    assert waiting.post(FAILED).json() == {"ended": False, "attempts_left": 1}
    assert_ended_signed_in(waiting, waiting.post(FAILED))
    assert [s["reason"] for s in sent["step_up_failed"]] == ["too_many_failures"]


def test_cancel_ends_the_step_up_and_goes_back(waiting):
    response = waiting.post("/mfa/step-up/cancel/")
    assert response.status_code == 302 and response["Location"] == "/stepup-tests/email/"
    assert PENDING_KEY not in waiting.session
    assert waiting.session[SESSION_KEY]


@pytest.mark.parametrize("url", [RESEND, FAILED])
def test_the_endpoints_without_a_pending_step_up(alice, url):
    response = alice.post(url)
    assert response.status_code == 400 and response.json()["code"] == "step_up_none"


def test_the_code_page_without_a_pending_step_up(alice):
    page = alice.get("/mfa/step-up/")
    assert page.status_code == 400 and b"Nothing waiting for a code" in page.content
