"""Each step-up signal and log event names the action."""

from __future__ import annotations

import logging

import pytest

from tests.stepup.conftest import complete

pytestmark = pytest.mark.django_db


def events(caplog):
    return {
        record.authsignal_sms["event"]: record.authsignal_sms
        for record in caplog.records
        if hasattr(record, "authsignal_sms")
    }


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO, logger="django_authsignal_sms")
    return caplog


def test_a_completed_step_up(alice, user, rules, authority, sent, logged):
    rules.states["changeEmail"] = "CHALLENGE_REQUIRED"
    alice.get("/stepup-tests/email/")
    [required] = sent["step_up_required"]
    assert required["action"] == "changeEmail" and required["user"] == user
    assert required["idempotency_key"] == "idem-1"
    complete(alice, authority)
    [succeeded] = sent["step_up_succeeded"]
    assert succeeded["action"] == "changeEmail" and succeeded["user"] == user
    seen = events(logged)
    assert seen["step_up_tracked"]["action"] == "changeEmail"
    assert seen["step_up_tracked"]["state"] == "CHALLENGE_REQUIRED"
    assert seen["step_up_succeeded"]["action"] == "changeEmail"


def test_a_failed_step_up(alice, user, rules, authority, sent, logged):
    rules.states["changeEmail"] = "CHALLENGE_REQUIRED"
    alice.get("/stepup-tests/email/")
    complete(alice, authority, isValid=False)
    [failed] = sent["step_up_failed"]
    assert failed["action"] == "changeEmail" and failed["reason"] == "not_valid"
    assert failed["user_id"] == str(user.pk)
    assert events(logged)["step_up_failed"]["action"] == "changeEmail"
    assert sent["step_up_succeeded"] == []


@pytest.mark.parametrize(
    ("state", "reason"), [("BLOCK", "step_up_blocked"), ("REVIEW_REQUIRED", "step_up_review")]
)
def test_a_refused_action(alice, user, rules, sent, logged, state, reason):
    rules.states["exportData"] = state
    alice.get("/stepup-tests/export/")
    [refused] = sent["step_up_refused"]
    assert refused["action"] == "exportData" and refused["reason"] == reason
    assert refused["user"] == user
    logged_refusal = events(logged)["step_up_refused"]
    assert logged_refusal["action"] == "exportData" and logged_refusal["reason"] == reason
    assert sent["step_up_required"] == []


def test_an_allowed_action_sends_no_step_up_signal(alice, rules, sent, logged):
    rules.states["exportData"] = "ALLOW"
    alice.get("/stepup-tests/export/")
    assert events(logged)["step_up_tracked"]["state"] == "ALLOW"
    for name in ("step_up_required", "step_up_succeeded", "step_up_failed", "step_up_refused"):
        assert sent[name] == []
