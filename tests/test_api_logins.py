"""Logins through Django REST framework are held like any other, and answered in JSON.

dj-rest-auth on its defaults (a token in the reply, and a session login) and a single-page app's
own login view both call ``login()`` with DRF's ``Request``; Authsignal faked with ``responses``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.conftest import PASSWORD, pending_mark

pytestmark = pytest.mark.django_db

CREDENTIALS = {"username": "alice", "password": PASSWORD}


def api_login(client, path="/api/auth/login/"):
    return client.post(path, CREDENTIALS, content_type="application/json")


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/spa-login/"])
def test_an_api_login_asked_for_a_code_gets_json_and_no_credential(client, user, authsignal, path):
    authsignal.on_track("CHALLENGE_REQUIRED")
    response = api_login(client, path)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "verification_required"
    verification = body["verification"]
    assert verification["token"] == "track-token-1"
    assert verification["tenantId"] == "test-tenant"
    assert verification["baseUrl"] == "https://authsignal.test/v1"
    assert verification["methods"] == ["SMS"]
    assert verification["callbackUrl"] == "/mfa/callback/"
    assert verification["maskedPhone"] == "+15*******06"
    assert 0 < verification["expiresIn"] <= 600
    text = response.content.decode()
    for secret in ("key", "alice@example.com", '"username"', "+15005550006"):
        assert secret not in text, secret
    for token in Token.objects.all():
        assert token.key not in text
    assert SESSION_KEY not in client.session
    assert pending_mark(client)["outcome"] == "pending"


def test_dj_rest_auth_gives_its_token_when_authsignal_allows(client, user, authsignal):
    authsignal.on_track("ALLOW")
    response = api_login(client)
    assert response.status_code == 200
    assert response.json()["key"] == Token.objects.get(user=user).key
    assert client.session[SESSION_KEY] == str(user.pk)


def test_a_pending_api_session_is_nobody_and_is_told_so_in_json(client, user, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")
    api_login(client)
    response = client.get("/api/me/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "verification_required"


def test_the_callback_takes_json_and_answers_json(user, authsignal):
    client = Client(enforce_csrf_checks=True)
    authsignal.on_track("CHALLENGE_REQUIRED")
    api_login(client)
    authsignal.on_validate(str(user.pk))
    response = client.post(
        "/mfa/callback/",
        {"token": "verified-token"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    assert response.json() == {"code": "signed_in", "next": "/protected/"}
    assert client.get("/api/me/").json() == {"username": "alice"}


def test_a_refused_json_callback_says_why(user, authsignal):
    client = Client()
    authsignal.on_track("CHALLENGE_REQUIRED")
    api_login(client)
    authsignal.on_validate(str(user.pk), isValid=False)
    response = client.post("/mfa/callback/", {"token": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_valid"
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(("state", "code"), [("BLOCK", "blocked"), ("REVIEW_REQUIRED", "review")])
def test_a_refused_api_login_is_a_json_403(client, user, authsignal, state, code):
    authsignal.on_track(state)
    response = api_login(client)
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert "key" not in response.json()
    assert SESSION_KEY not in client.session


def test_a_browser_form_login_still_gets_redirects(client, user, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")
    response = client.post("/accounts/login/", CREDENTIALS)
    assert response.status_code == 302
    assert response["Location"].startswith("/mfa/challenge/")
