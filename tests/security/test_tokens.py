"""Tokens: only a token Authsignal validates for *this* pending login, once, completes a login.

Authsignal's /validate is faked per token (``authority``): a verified token carries the user,
action and idempotency key of the login it was verified for, any other token is not valid.
Each attack checks: not logged in, the pending mark consumed, a page that says why, and the
``challenge_failed`` signal with the reason.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from tests.conftest import PASSWORD, log_in, pending_mark, start_pending
from tests.security.conftest import assert_refused

pytestmark = pytest.mark.django_db


def callback(client, token, **extra):
    return client.post("/mfa/callback/", {"token": token, **extra})


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user(
        "bob", "bob@example.com", PASSWORD, phone_number="+15005550008"
    )


def finish_login(client, authsignal, authority, user, idem="idem-1", token="verified-1"):
    """A complete, legitimate login: password, then a token verified for this login."""
    start_pending(client, authsignal, user.username, idem=idem)
    authority.verify(token, user.pk, idem)
    response = callback(client, token)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    return token


# Replays


def test_replay_in_the_same_session_after_logout(client, user, authsignal, authority, sent):
    token = finish_login(client, authsignal, authority, user)
    client.post("/accounts/logout/")
    sent.clear()
    response = callback(client, token)
    assert_refused(response, client, sent, "no_pending", 400, user_id="")
    assert len(authority.asked) == 1


def test_replay_in_the_same_session_after_a_new_password(client, user, authsignal, authority, sent):
    """The attacker knows the password and has an old token: the new login's key differs."""
    token = finish_login(client, authsignal, authority, user)
    client.post("/accounts/logout/")
    start_pending(client, authsignal, idem="idem-2")
    sent.clear()
    response = callback(client, token)
    assert_refused(response, client, sent, "wrong_idempotency_key", user_id=str(user.pk))


def test_replay_from_another_session_with_its_own_pending_login(
    client, user, authsignal, authority, sent
):
    token = finish_login(client, authsignal, authority, user)
    attacker = Client()
    start_pending(attacker, authsignal, idem="idem-attacker")
    sent.clear()
    response = callback(attacker, token)
    assert_refused(response, attacker, sent, "wrong_idempotency_key", user_id=str(user.pk))
    assert client.session[SESSION_KEY] == str(user.pk)  # the victim's own login is untouched


def test_replay_from_another_session_without_a_pending_login(
    client, user, authsignal, authority, sent
):
    token = finish_login(client, authsignal, authority, user)
    attacker = Client()
    sent.clear()
    response = callback(attacker, token)
    assert_refused(response, attacker, sent, "no_pending", 400, user_id="")
    assert len(authority.asked) == 1  # no second question to Authsignal


def test_a_token_works_once_even_if_authsignal_would_accept_it_again(
    client, user, authsignal, authority, sent
):
    """Authsignal's validate is not documented as single-use (docs/emulator.md): the app must be."""
    start_pending(client, authsignal)
    authority.verify("verified-1", user.pk, "idem-1")
    session_key = client.session.session_key
    assert callback(client, "verified-1").status_code == 302
    replayer = Client()
    replayer.cookies["sessionid"] = session_key  # the pre-code session cookie, stolen
    sent.clear()
    response = callback(replayer, "verified-1")
    assert_refused(response, replayer, sent, "no_pending", 400)


# Tokens verified for something else


@pytest.mark.parametrize(
    ("authsignal_checks_the_user", "reason"), [(True, "not_valid"), (False, "wrong_user")]
)
def test_a_token_verified_for_another_user(
    client, user, bob, authsignal, authority, sent, authsignal_checks_the_user, reason
):
    """Mallory knows Alice's password and verified a code on her own account (bob)."""
    start_pending(client, authsignal, idem="idem-alice")
    authority.verify("bobs-token", bob.pk, "idem-alice")
    if authsignal_checks_the_user:  # the real service: userId in the body does not match
        authority.verified["bobs-token"] = {"isValid": False}
    response = callback(client, "bobs-token")
    assert_refused(response, client, sent, reason, user_id=str(user.pk))
    assert authority.asked[-1]["userId"] == str(user.pk)


def test_a_token_verified_for_another_action(client, user, authsignal, authority, sent):
    start_pending(client, authsignal)
    authority.verify("transfer-token", user.pk, "idem-1", action="withdrawFunds")
    response = callback(client, "transfer-token")
    assert_refused(response, client, sent, "wrong_action", user_id=str(user.pk))
    assert authority.asked[-1]["action"] == "signIn"


@pytest.mark.parametrize(
    "method", ["EMAIL_OTP", "EMAIL_MAGIC_LINK", "PASSKEY", "AUTHENTICATOR_APP", "WHATSAPP", None]
)
def test_a_token_validated_for_a_method_this_app_did_not_offer(
    client, user, authsignal, authority, sent, method
):
    """Only SMS (and WhatsApp when it was offered) completes a login."""
    start_pending(client, authsignal)
    authority.verify("other-method", user.pk, "idem-1", verificationMethod=method)
    response = callback(client, "other-method")
    assert_refused(response, client, sent, "wrong_method", user_id=str(user.pk))


@pytest.mark.parametrize("method", ["SMS", "WHATSAPP"])
def test_sms_and_offered_whatsapp_complete_a_login(
    client, user, authsignal, authority, sent, settings, method
):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": True}
    authsignal.on_track("CHALLENGE_REQUIRED", allowedVerificationMethods=["SMS", "WHATSAPP"])
    log_in(client)
    authority.verify("whatsapp-token", user.pk, "idem-1", verificationMethod=method)
    assert callback(client, "whatsapp-token")["Location"] == "/protected/"
    assert client.session[SESSION_KEY] == str(user.pk)


def test_a_token_of_another_sessions_pending_login(client, user, authsignal, authority, sent):
    """Two pending logins of the same user: a token belongs to the login it was verified for."""
    other = Client()
    start_pending(other, authsignal, idem="idem-other")
    start_pending(client, authsignal, idem="idem-mine")
    authority.verify("others-token", user.pk, "idem-other")
    response = callback(client, "others-token")
    assert_refused(response, client, sent, "wrong_idempotency_key", user_id=str(user.pk))
    assert callback(other, "others-token").status_code == 302  # it still works where it belongs
    assert other.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"isValid": False, "state": "CHALLENGE_FAILED"}, "not_valid"),
        ({"isValid": True, "state": "CHALLENGE_FAILED"}, "wrong_state"),
        ({"isValid": True, "state": "CHALLENGE_REQUIRED"}, "wrong_state"),
        ({"isValid": True, "state": "REVIEW_REQUIRED"}, "wrong_state"),
        ({"isValid": True, "state": "ALLOW"}, "wrong_state"),
    ],
    ids=["failed", "failed-but-valid", "never-verified", "review", "allow"],
)
def test_a_token_whose_action_did_not_succeed(
    client, user, authsignal, authority, sent, reply, reason
):
    start_pending(client, authsignal)
    authority.verify("t", user.pk, "idem-1", **reply)
    response = callback(client, "t")
    assert_refused(response, client, sent, reason, user_id=str(user.pk))


# Expired, broken and enormous tokens


def test_an_expired_token_answered_not_valid(client, user, authsignal, authority, sent):
    start_pending(client, authsignal)
    authority.verified["expired"] = {"isValid": False, "state": "CHALLENGE_REQUIRED"}
    response = callback(client, "expired")
    assert_refused(response, client, sent, "not_valid", user_id=str(user.pk))


def test_an_expired_token_answered_401_is_a_refused_code_not_an_outage(
    client, user, authsignal, authority, sent
):
    """Authsignal's answer for an expired token: 401 ``expired_token``. That is a refused code,
    not an outage: no 503 page saying the check is unavailable, and ``challenge_failed`` rather
    than ``authsignal_error`` (which integrators alert on)."""
    start_pending(client, authsignal)
    expired = {"error": "expired_token", "errorCode": "expired_token", "errorDescription": "x"}
    authority.errors["stale"] = (401, expired)
    response = callback(client, "stale")
    assert pending_mark(client) is None
    assert SESSION_KEY not in client.session
    assert response.status_code < 500, "an expired token is not an Authsignal outage"
    assert [s["user_id"] for s in sent["challenge_failed"]] == [str(user.pk)]
    assert sent["authsignal_error"] == []


TOKEN_REFUSALS = {
    "400-invalid_request": (400, "invalid_request"),
    "401-expired_token": (401, "expired_token"),
    "403-invalid_credential": (403, "invalid_credential"),
    "404-not_found": (404, "not_found"),
    "422-no-code": (422, None),
}
OUTAGES = {
    "401-unauthorized": (401, "unauthorized"),
    "408": (408, None),
    "429-too_many_requests": (429, "too_many_requests"),
    "500": (500, "internal_error"),
    "503": (503, None),
}


def error_reply(status, code):
    return (status, {"error": code, "errorCode": code, "errorDescription": "x"} if code else {})


@pytest.mark.parametrize("answer", list(TOKEN_REFUSALS.values()), ids=list(TOKEN_REFUSALS))
def test_a_4xx_about_the_token_is_a_refused_code(client, user, authsignal, authority, sent, answer):
    start_pending(client, authsignal)
    authority.errors["bad"] = error_reply(*answer)
    response = callback(client, "bad")
    assert_refused(response, client, sent, answer[1] or "invalid_token", user_id=str(user.pk))
    assert sent["authsignal_error"] == []


@pytest.mark.parametrize("answer", list(OUTAGES.values()), ids=list(OUTAGES))
def test_a_key_region_or_server_problem_at_validate_is_an_outage(
    client, user, authsignal, authority, sent, answer
):
    start_pending(client, authsignal)
    authority.errors["bad"] = error_reply(*answer)
    response = callback(client, "bad")
    assert response.status_code == 503
    assert "We could not check this sign-in" in response.content.decode()
    assert [s["error"].status for s in sent["authsignal_error"]] == [answer[0]]
    assert sent["challenge_failed"] == []
    assert pending_mark(client) is None
    assert SESSION_KEY not in client.session


BROKEN_TOKENS = {
    "space": " ",
    "nul": "\x00",
    "null": "null",
    "undefined": "undefined",
    "object": "[object Object]",
    "jwt-alg-none": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwic3RhdGUiOiJBTExPVyJ9.",
    "sql": "' OR 1=1 --",
    "html": "<script>alert(1)</script>",
    "unicode": "\u202e\U0001f4a5" * 10,
    "newlines": "a\r\nX-Injected: 1",
    "4096-chars": "x" * 4096,
}


@pytest.mark.parametrize("token", list(BROKEN_TOKENS.values()), ids=list(BROKEN_TOKENS))
def test_a_broken_token_is_refused(client, user, authsignal, authority, sent, token):
    start_pending(client, authsignal)
    response = callback(client, token)
    assert_refused(response, client, sent, "not_valid", user_id=str(user.pk))
    assert authority.asked == [{"token": token, "userId": str(user.pk), "action": "signIn"}]


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"tokens": "x"}, {"token": "x" * 4097}, {"token": "x" * 100_000}],
    ids=["none", "empty", "misnamed", "4097-chars", "100k-chars"],
)
def test_a_missing_or_enormous_token_never_reaches_authsignal(
    client, user, authsignal, authority, sent, body
):
    start_pending(client, authsignal)
    response = client.post("/mfa/callback/", body)
    assert_refused(response, client, sent, "missing_token", 400, user_id=str(user.pk))
    assert authority.asked == []


def test_a_token_bigger_than_django_accepts(client, user, authsignal, authority):
    start_pending(client, authsignal)
    response = callback(client, "x" * 3_000_000)  # over DATA_UPLOAD_MAX_MEMORY_SIZE
    assert response.status_code == 400
    assert authority.asked == []
    assert pending_mark(client) is None
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "body",
    ['["verified-1"]', '{"token": ["verified-1"]}', '{"token": 1}', "{", '"verified-1"'],
    ids=["list", "token-list", "token-number", "broken", "string"],
)
def test_a_json_body_without_a_token_string_is_refused(
    client, user, authsignal, authority, sent, body
):
    start_pending(client, authsignal)
    authority.verify("verified-1", user.pk, "idem-1")
    response = client.post("/mfa/callback/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "missing_token"
    assert [s["reason"] for s in sent["challenge_failed"]] == ["missing_token"]
    assert SESSION_KEY not in client.session


# Callbacks that have nothing to complete


def test_a_callback_without_any_pending_login(client, user, authsignal, authority, sent):
    authority.verify("verified-1", user.pk, "idem-1")
    response = callback(client, "verified-1")
    assert_refused(response, client, sent, "no_pending", 400, user_id="")
    assert authority.asked == []


def test_a_callback_in_a_signed_in_session_does_not_switch_user(
    client, user, bob, authsignal, authority, sent
):
    authsignal.on_track("ALLOW")
    log_in(client, "bob")
    authority.verify("alices-token", user.pk, "idem-1")
    response = callback(client, "alices-token")
    assert response.status_code == 400
    assert client.session[SESSION_KEY] == str(bob.pk)
    assert [s["reason"] for s in sent["challenge_failed"]] == ["no_pending"]
    assert authority.asked == []


@pytest.mark.parametrize("state", ["BLOCK", "REVIEW_REQUIRED", "SOMETHING_NEW"])
def test_a_callback_with_a_denied_mark(client, user, authsignal, authority, sent, state):
    authsignal.on_track(state)
    log_in(client)
    assert pending_mark(client)["outcome"] != "pending"
    authority.verify("verified-1", user.pk, "idem-1")
    response = callback(client, "verified-1")
    assert_refused(response, client, sent, "no_pending", 400, user_id="")
    assert authority.asked == []


def test_after_any_refusal_the_next_callback_has_nothing_to_complete(
    client, user, authsignal, authority, sent
):
    """A refusal consumes the mark: a right token after a wrong one is too late."""
    start_pending(client, authsignal)
    authority.verify("verified-1", user.pk, "idem-1")
    callback(client, "a-guess")
    sent.clear()
    response = callback(client, "verified-1")
    assert_refused(response, client, sent, "no_pending", 400, user_id="")
    assert [a["token"] for a in authority.asked] == ["a-guess"]
