"""Every way Django logs a user in goes through Authsignal; each outcome does what it says."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.test import override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import (
    PASSWORD,
    SIGNED_IN_AS_ALICE,
    log_in,
    pending_mark,
    refusal_page,
    start_pending,
)

pytestmark = pytest.mark.django_db


def test_allow_logs_in_as_if_the_app_were_not_there(client, user, authsignal):
    authsignal.on_track("ALLOW")
    response = log_in(client, next_url="/protected/")
    assert response.status_code == 302
    assert response["Location"] == "/protected/"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert pending_mark(client) is None
    assert client.get("/protected/").content.count(SIGNED_IN_AS_ALICE) == 1


def test_track_gets_phone_ip_user_agent_device_names_and_redirect(client, user, authsignal):
    authsignal.on_track("ALLOW")
    client.cookies["__as_aid"] = "device-123"
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        HTTP_USER_AGENT="Mozilla/5.0 test",
        REMOTE_ADDR="203.0.113.9",
    )
    [call] = authsignal.calls_to(f"/users/{user.pk}/actions/signIn")
    assert call.request.headers["Authorization"].startswith("Basic ")
    assert authsignal.track_bodies() == [
        {
            "phoneNumber": "+15005550006",
            "ipAddress": "203.0.113.9",
            "userAgent": "Mozilla/5.0 test",
            "deviceId": "device-123",
            "username": "alice",
            "email": "alice@example.com",
            "redirectUrl": "http://testserver/mfa/challenge/",
            "locale": "en",
        }
    ]


def test_challenge_holds_the_login_and_sends_to_the_code_page(client, user, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")
    response = log_in(client, next_url="/protected/")
    assert response.status_code == 302
    assert response["Location"] == "/mfa/challenge/?next=%2Fprotected%2F"
    assert SESSION_KEY not in client.session
    mark = pending_mark(client)
    assert mark["outcome"] == "pending"
    assert mark["user_id"] == str(user.pk)
    assert mark["token"] == "track-token-1"
    assert mark["idempotency_key"] == "idem-1"
    assert mark["next_url"] == "/protected/"
    assert "password" not in str(mark).lower()


def test_the_pending_mark_holds_only_what_design_lists(client, user, authsignal):
    start_pending(client, authsignal)
    assert set(pending_mark(client)) == {
        "outcome",
        "started",
        "user_id",
        "backend",
        "token",
        "idempotency_key",
        "action",
        "masked_phone",
        "whatsapp",
        "authenticator_id",
        "verified_baseline",
        "confirm_allow",
        "next_url",
        "retry_url",
        "sent_at",
        "resends",
        "failures",
        "channel",
        "methods",
    }


@pytest.mark.parametrize("state", ["BLOCK", "SOMETHING_NEW", "CHALLENGE_FAILED"])
def test_block_and_unknown_states_deny_with_403(client, user, authsignal, state):
    authsignal.on_track(state)
    page = refusal_page(client, log_in(client, next_url="/protected/"))
    assert b"Sign-in blocked" in page.content
    assert b"/accounts/login/?next=%2Fprotected%2F" in page.content
    assert client.get("/protected/").status_code == 302
    assert client.get("/").content.count(b"signed-in-as") == 0


def test_review_is_held_for_review_by_default(client, user, authsignal):
    authsignal.on_track("REVIEW_REQUIRED")
    response = log_in(client)
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert b"held for review" in page.content
    assert SESSION_KEY not in client.session


def test_admin_login_goes_through_the_challenge(client, staff, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")
    response = log_in(client, "root", path="/admin/login/?next=/admin/", next_url="/admin/")
    assert response["Location"] == "/mfa/challenge/?next=%2Fadmin%2F"
    assert client.get("/admin/")["Location"] == "/mfa/challenge/?next=%2Fadmin%2F"
    assert pending_mark(client)["retry_url"] == "/admin/login/"


def test_admin_login_blocked(client, staff, authsignal):
    authsignal.on_track("BLOCK")
    response = log_in(client, "root", path="/admin/login/?next=/admin/", next_url="/admin/")
    page = refusal_page(client, response)
    assert b"/admin/login/?next=%2Fadmin%2F" in page.content


def test_admin_login_allowed(client, staff, authsignal):
    authsignal.on_track("ALLOW")
    log_in(client, "root", path="/admin/login/?next=/admin/", next_url="/admin/")
    assert client.get("/admin/").status_code == 200


def _reset_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/"


def test_login_after_password_reset_goes_through_the_challenge(client, user, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")
    set_password_url = client.get(_reset_link(user))["Location"]
    response = client.post(
        set_password_url, {"new_password1": "n3w-Passw0rd!x", "new_password2": "n3w-Passw0rd!x"}
    )
    assert response["Location"] == "/mfa/challenge/?next=%2Faccounts%2Freset%2Fdone%2F"
    assert SESSION_KEY not in client.session
    assert len(authsignal.calls_to(f"/users/{user.pk}/actions/signIn")) == 1
    assert client.get("/protected/")["Location"].startswith("/mfa/challenge/")


def test_login_after_password_reset_blocked(client, user, authsignal):
    authsignal.on_track("BLOCK")
    set_password_url = client.get(_reset_link(user))["Location"]
    client.post(
        set_password_url, {"new_password1": "n3w-Passw0rd!x", "new_password2": "n3w-Passw0rd!x"}
    )
    assert SESSION_KEY not in client.session
    assert client.get("/protected/").status_code == 302


@override_settings(AUTHSIGNAL_SMS={"ENABLED": False})
def test_disabled_switch_lets_force_login_and_login_work(client, user, authsignal):
    client.force_login(user)
    assert client.get("/protected/").status_code == 200
    assert client.login(username="alice", password=PASSWORD)
    assert len(authsignal.mock.calls) == 0


def test_test_client_login_is_held_back_when_enabled(client, user, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")
    client.login(username="alice", password=PASSWORD)
    assert client.get("/protected/").status_code == 302


@pytest.mark.parametrize("state", ["CHALLENGE_REQUIRED", "BLOCK", "REVIEW_REQUIRED"])
def test_last_login_is_not_written_for_a_login_that_did_not_complete(
    client, user, authsignal, state
):
    authsignal.on_track(state)
    log_in(client)
    user.refresh_from_db()
    assert user.last_login is None


def test_last_login_is_written_when_the_code_completes_the_login(client, user, authsignal):
    start_pending(client, authsignal)
    authsignal.on_validate(str(user.pk))
    client.post("/mfa/callback/", {"token": "verified"})
    user.refresh_from_db()
    assert user.last_login is not None


def test_last_login_is_written_for_allow(client, user, authsignal):
    authsignal.on_track("ALLOW")
    log_in(client)
    user.refresh_from_db()
    assert user.last_login is not None
