"""The step-up callback: only a token Authsignal validates for this session's pending step-up
(this user, this action, this track, a method the app offered), once, records a step-up."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authsignal_sms import claims
from django_authsignal_sms.stepup.state import DONE_KEY, PENDING_KEY
from tests.conftest import PASSWORD, start_pending
from tests.stepup.conftest import CALLBACK, complete, pending_of, sign_in, verified_token

pytestmark = pytest.mark.django_db

EMAIL = "/stepup-tests/email/"


@pytest.fixture
def waiting(alice, rules):
    """alice's session with a pending step-up for changeEmail."""
    rules.states.update(changeEmail="CHALLENGE_REQUIRED", exportData="CHALLENGE_REQUIRED")
    assert alice.get(EMAIL)["Location"] == "/mfa/step-up/"
    return alice


def assert_nothing_recorded(client, sent, reason=None):
    assert client.session.get(DONE_KEY, {}) == {}
    assert PENDING_KEY not in client.session
    assert sent["step_up_succeeded"] == []
    if reason:
        assert [s["reason"] for s in sent["step_up_failed"]] == [reason]
    assert client.get(EMAIL).get("Location") == "/mfa/step-up/"


def test_a_verified_token_records_the_step_up(waiting, authority, sent):
    response = complete(waiting, authority)
    assert response.status_code == 302 and response["Location"] == EMAIL
    assert list(waiting.session[DONE_KEY]) == ["changeEmail"]
    assert [s["action"] for s in sent["step_up_succeeded"]] == ["changeEmail"]
    assert authority.asked[0]["action"] == "changeEmail"


def test_a_replayed_token_is_refused(waiting, authority, sent):
    token = verified_token(waiting, authority)
    assert waiting.post(CALLBACK, {"token": token}).status_code == 302
    session = waiting.session
    session.pop(DONE_KEY)
    session.save()
    sent.clear()
    assert waiting.post(CALLBACK, {"token": token}).status_code == 400
    assert_nothing_recorded(waiting, sent, "no_pending")


def test_a_token_for_the_pending_step_up_completes_it_once(waiting, authority, sent):
    """A second request that read the pending step-up before the first removed it (a parallel
    callback) is refused by the claim, without asking Authsignal."""
    held = pending_of(waiting)
    token = verified_token(waiting, authority)
    assert waiting.post(CALLBACK, {"token": token}).status_code == 302
    session = waiting.session
    session.pop(DONE_KEY)
    session[PENDING_KEY] = held
    session.save()
    sent.clear()
    assert waiting.post(CALLBACK, {"token": token}).status_code == 403
    assert_nothing_recorded(waiting, sent, "replayed")
    assert len(authority.asked) == 1


def test_an_old_token_does_not_complete_a_new_step_up(waiting, authority, sent):
    token = verified_token(waiting, authority)
    assert waiting.post(CALLBACK, {"token": token}).status_code == 302
    assert waiting.get("/stepup-tests/export/")["Location"] == "/mfa/step-up/"
    sent.clear()
    assert waiting.post(CALLBACK, {"token": token}).status_code == 403
    assert "exportData" not in waiting.session[DONE_KEY]
    assert [s["reason"] for s in sent["step_up_failed"]] == ["wrong_action"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"action": "signIn"}, "wrong_action"),
        ({"action": "exportData"}, "wrong_action"),
        ({"userId": "999"}, "wrong_user"),
        ({"idempotencyKey": "idem-other"}, "wrong_idempotency_key"),
        ({"verificationMethod": "PASSKEY"}, "wrong_method"),
        ({"verificationMethod": "WHATSAPP"}, "wrong_method"),
        ({"verificationMethod": None}, "wrong_method"),
        ({"isValid": False}, "not_valid"),
        ({"state": "CHALLENGE_FAILED"}, "wrong_state"),
    ],
)
def test_a_token_validated_for_something_else_is_refused(
    waiting, authority, sent, overrides, reason
):
    response = complete(waiting, authority, **overrides)
    assert response.status_code == 403
    assert b"Action not confirmed" in response.content
    assert_nothing_recorded(waiting, sent, reason)


def test_a_token_authsignal_does_not_know_is_refused(waiting, authority, sent):
    assert waiting.post(CALLBACK, {"token": "made-up"}).status_code == 403
    assert_nothing_recorded(waiting, sent, "not_valid")


def test_an_expired_pending_step_up_is_refused(waiting, authority, sent):
    token = verified_token(waiting, authority)
    session = waiting.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "started": time.time() - 601}
    session.save()
    assert waiting.post(CALLBACK, {"token": token}).status_code == 400
    assert_nothing_recorded(waiting, sent, "expired")
    assert authority.asked == []


@pytest.mark.parametrize("token", ["", "x" * 4097])
def test_a_missing_or_oversized_token_never_reaches_authsignal(waiting, authority, sent, token):
    assert waiting.post(CALLBACK, {"token": token}).status_code == 400
    assert_nothing_recorded(waiting, sent, "missing_token")
    assert authority.asked == []


def test_a_json_callback_without_a_token_string_is_refused(waiting, authority, sent):
    response = waiting.post(CALLBACK, {"token": 12}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "missing_token"
    assert_nothing_recorded(waiting, sent, "missing_token")


def test_another_users_session_cannot_complete_the_step_up(waiting, authority, sent, settings):
    token = verified_token(waiting, authority)
    bob = get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)
    thief = sign_in(Client(), bob, settings)
    session = thief.session
    session[PENDING_KEY] = waiting.session[PENDING_KEY]  # alice's pending step-up, copied
    session.save()
    assert thief.post(CALLBACK, {"token": token}).status_code == 400
    assert thief.session.get(DONE_KEY) is None
    assert sent["step_up_succeeded"] == []
    assert authority.asked == []


def test_a_pending_login_cannot_complete_a_step_up(client, user, authsignal, authority, sent):
    start_pending(client, authsignal)
    session = client.session
    session[PENDING_KEY] = {
        "outcome": "pending",
        "user_id": str(user.pk),
        "token": "track-token-1",
        "idempotency_key": "idem-1",
        "action": "changeEmail",
    }
    session.save()
    authority.verify("verified", user.pk, "idem-1", "changeEmail")
    response = client.post(CALLBACK, {"token": "verified"})
    assert response.status_code == 400
    assert client.session.get(DONE_KEY) is None
    assert "_auth_user_id" not in client.session
    assert sent["step_up_succeeded"] == []
    assert authority.asked == []


def test_an_anonymous_callback_is_refused(client, authority, sent):
    assert client.post(CALLBACK, {"token": "verified"}).status_code == 400
    assert authority.asked == []


def test_only_post_reaches_the_callback(waiting, authority):
    token = verified_token(waiting, authority)
    assert waiting.get(CALLBACK, {"token": token}).status_code == 405
    assert authority.asked == []


RACERS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_callbacks_with_one_token_complete_one_step_up(
    alice, rules, authority, sent, settings, monkeypatch
):
    """RACERS callbacks at once, each with alice's session cookie and the one verified token:
    every request reads the pending step-up before any saves its removal (a barrier before the
    claim), so only the claim keeps Authsignal from validating, and the app from recording,
    more than once."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    sign_in(alice, alice_user(alice), settings)
    rules.states["changeEmail"] = "CHALLENGE_REQUIRED"
    assert alice.get(EMAIL)["Location"] == "/mfa/step-up/"
    token = verified_token(alice, authority)
    barrier = threading.Barrier(RACERS, timeout=10)
    real_claim = claims.claim

    def claim_together(pending):
        barrier.wait()
        return real_claim(pending)

    monkeypatch.setattr(claims, "claim", claim_together)

    def post_callback(_):
        browser = Client()
        browser.cookies = alice.cookies
        return browser.post(CALLBACK, {"token": token})

    with ThreadPoolExecutor(RACERS) as pool:
        replies = list(pool.map(post_callback, range(RACERS)))
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses == [302] + [403] * (RACERS - 1), statuses
    assert len(authority.asked) == 1
    assert len(sent["step_up_succeeded"]) == 1
    assert sorted(s["reason"] for s in sent["step_up_failed"]) == ["replayed"] * (RACERS - 1)


def alice_user(client):
    return get_user_model().objects.get(username="alice")
