"""The callback finalises a login only when every check holds, and only once."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.conftest import SIGNED_IN_AS_ALICE, pending_mark, start_pending

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def verified_for_alice(user, authsignal):
    """Authsignal says the code was verified for alice's login, unless a test says otherwise."""
    authsignal.on_validate(str(user.pk))


def finish(client, token="verified-token", **extra):
    return client.post("/mfa/callback/", {"token": token, **extra})


def test_valid_token_completes_the_login(pending, user, authsignal):
    key_before = pending.session.session_key
    response = finish(pending)
    assert response.status_code == 302
    assert response["Location"] == "/protected/"
    assert pending.session[SESSION_KEY] == str(user.pk)
    assert pending.session.session_key != key_before
    assert pending_mark(pending) is None
    assert pending.get("/protected/").content.count(SIGNED_IN_AS_ALICE) == 1
    [call] = authsignal.calls_to("/validate")
    assert json.loads(call.request.body) == {
        "token": "verified-token",
        "userId": str(user.pk),
        "action": "signIn",
    }


def test_the_session_key_differs_before_password_and_after_code(client, user, authsignal):
    session = client.session  # a session from before the login (a cart, a language...)
    session["visited"] = True
    session.save()
    before_password = client.cookies["sessionid"].value
    assert before_password
    start_pending(client, authsignal)
    after_password = client.session.session_key
    finish(client)
    assert len({before_password, after_password, client.session.session_key}) == 3


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"isValid": False}, "not_valid"),
        ({"state": "CHALLENGE_REQUIRED"}, "wrong_state"),
        ({"state": "CHALLENGE_FAILED"}, "wrong_state"),
        ({"userId": "999"}, "wrong_user"),
        ({"action": "withdrawFunds"}, "wrong_action"),
        ({"idempotencyKey": "someone-elses"}, "wrong_idempotency_key"),
    ],
)
def test_each_failing_check_refuses_alone(pending, user, authsignal, overrides, reason, caplog):
    authsignal.on_validate(str(user.pk), **overrides)
    response = finish(pending)
    assert response.status_code == 403
    assert b"could not be confirmed" in response.content
    assert SESSION_KEY not in pending.session
    assert pending_mark(pending) is None
    assert pending.get("/protected/").status_code == 302
    assert f"reason={reason}" in caplog.text


def test_a_token_from_another_login_is_refused(client, user, authsignal):
    start_pending(client, authsignal)
    authsignal.on_validate(str(user.pk), idempotencyKey="idem-of-the-other-login")
    assert finish(client).status_code == 403
    assert SESSION_KEY not in client.session


def test_missing_token(pending):
    response = pending.post("/mfa/callback/", {})
    assert response.status_code == 400
    assert pending_mark(pending) is None


def test_enormous_token_is_refused_without_asking_authsignal(pending, authsignal):
    assert finish(pending, token="x" * 100_000).status_code == 400
    assert authsignal.calls_to("/validate") == []


def test_get_is_not_allowed(pending):
    assert pending.get("/mfa/callback/").status_code == 405
    assert pending_mark(pending)["outcome"] == "pending"


def test_no_pending_mark(client):
    response = finish(client)
    assert response.status_code == 400
    assert b"No sign-in waiting" in response.content
    assert SESSION_KEY not in client.session


def test_off_site_next_is_ignored(pending):
    response = finish(pending, next="https://evil.example/steal")
    assert response["Location"] == "/protected/"


def test_on_site_next_from_the_page_is_kept(pending):
    assert finish(pending, next="/plain/")["Location"] == "/plain/"


def test_csrf_is_enforced(authsignal):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    authsignal.on_track("CHALLENGE_REQUIRED")
    browser.post(
        "/accounts/login/",
        {
            "username": "alice",
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert finish(browser).status_code == 403
    assert SESSION_KEY not in browser.session


def test_validate_outage_fails_closed(pending, authsignal):
    authsignal.mock.upsert("POST", "https://authsignal.test/v1/validate", status=503, json={})
    response = finish(pending)
    assert response.status_code == 503
    assert SESSION_KEY not in pending.session
    assert pending_mark(pending) is None


def test_inactive_user_is_refused(pending, user):
    user.is_active = False
    user.save()
    assert finish(pending).status_code == 403
    assert SESSION_KEY not in pending.session
