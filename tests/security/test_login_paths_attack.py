"""Every way into the site goes through the code: admin, LoginView, the login after a password
reset, django-allauth. Each path must reach the challenge (track called once, the session not
logged in, a redirect to /mfa/challenge/), and a pending login from it must be completable."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_authsignal_sms.receivers import on_user_logged_in
from tests.conftest import PASSWORD, pending_mark

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "n3w-Passw0rd!x"


def admin_login(client, user):
    return client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}
    )


def login_view(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def password_reset(client, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/"
    set_password_url = client.get(link)["Location"]
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    return client.post(set_password_url, data)


def allauth_login(client, user):
    return client.post("/allauth/login/", {"login": user.username, "password": PASSWORD})


def allauth_login_with_next(client, user):
    data = {"login": user.username, "password": PASSWORD, "next": "/admin/"}
    return client.post("/allauth/login/", data)


PATHS = {
    "admin": admin_login,
    "LoginView": login_view,
    "password-reset": password_reset,
    "allauth": allauth_login,
    "allauth-next": allauth_login_with_next,
}


def reaches_the_challenge(client, staff, authsignal, path):
    """The attack: the password alone. It must end at the code page, not signed in."""
    authsignal.on_track("CHALLENGE_REQUIRED")
    response = PATHS[path](client, staff)
    assert len(authsignal.calls_to(f"/users/{staff.pk}/actions/signIn")) == 1
    assert response.status_code == 302
    assert response["Location"].startswith("/mfa/challenge/")
    assert SESSION_KEY not in client.session
    mark = pending_mark(client)
    assert mark["outcome"] == "pending" and mark["user_id"] == str(staff.pk)
    assert client.get("/admin/")["Location"].startswith("/mfa/challenge/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Enter your code" in page.content


@pytest.mark.parametrize("path", PATHS)
def test_the_password_alone_only_reaches_the_code_page(client, staff, authsignal, path):
    reaches_the_challenge(client, staff, authsignal, path)


@pytest.mark.parametrize("path", PATHS)
def test_the_pending_login_completes_with_a_validated_code(client, staff, authsignal, path):
    reaches_the_challenge(client, staff, authsignal, path)
    authsignal.on_validate(str(staff.pk))
    response = client.post("/mfa/callback/", {"token": "verified"})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(staff.pk)
    assert client.get("/admin/").status_code == 200
    assert len(authsignal.calls_to("/actions/signIn")) == 1  # finishing does not track again


@pytest.mark.parametrize("path", PATHS)
def test_blocked_on_every_path(client, staff, authsignal, path):
    authsignal.on_track("BLOCK")
    response = PATHS[path](client, staff)
    assert response["Location"] == "/mfa/denied/"
    assert SESSION_KEY not in client.session
    page = client.get("/mfa/denied/")
    assert page.status_code == 403 and b"Sign-in blocked" in page.content
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("path", PATHS)
def test_allowed_on_every_path(client, staff, authsignal, path):
    """The control: each path really is a login, so the tests above test something."""
    authsignal.on_track("ALLOW")
    PATHS[path](client, staff)
    assert client.session[SESSION_KEY] == str(staff.pk)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_this_suite_fails_if_a_path_stops_reaching_the_challenge(client, staff, authsignal, path):
    """With the app's login hook gone (a regression), the check above must fail on each path."""
    assert user_logged_in.disconnect(dispatch_uid="django_authsignal_sms.login")
    try:
        with pytest.raises(AssertionError):
            reaches_the_challenge(client, staff, authsignal, path)
    finally:
        user_logged_in.connect(on_user_logged_in, dispatch_uid="django_authsignal_sms.login")
