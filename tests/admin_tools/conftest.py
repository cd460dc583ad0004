"""What the admin-tools tests share: staff with chosen permissions, signed in without the SMS
step, and a user's whole sign-in against the emulator (password, code, callback)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from django_authsignal_sms.models import SignInReview
from tests.conftest import PASSWORD, log_in, pending_mark

REVIEW_RULES = {"users": {"alice": "REVIEW_REQUIRED", "bob": "REVIEW_REQUIRED"}}
CHANGELIST = "/admin/authsignal_sms/signinreview/"


def user_change_page(user) -> str:
    return f"/admin/demo/user/{user.pk}/change/"


def reset_page(user) -> str:
    return f"/admin/demo/user/{user.pk}/sign-in/reset/"


def permissions(*names: str) -> list[Permission]:
    """``"app_label.codename"`` names, as has_perm() takes them."""
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@pytest.fixture
def make_staff(db):
    """A staff user holding exactly the permissions named (``is_staff=False`` for a non-staff)."""

    def make(username, *names, is_staff=True, phone="+15005550099"):
        staff = get_user_model().objects.create_user(
            username, f"{username}@example.com", PASSWORD, phone_number=phone, is_staff=is_staff
        )
        staff.user_permissions.add(*permissions(*names))
        return staff

    return make


@pytest.fixture
def signed_in(settings):
    """A new test client signed in as ``user`` (force_login, the SMS step off for that login)."""

    def sign_in(user) -> Client:
        client = Client()
        options = settings.AUTHSIGNAL_SMS
        settings.AUTHSIGNAL_SMS = {**options, "ENABLED": False}
        client.force_login(user)
        settings.AUTHSIGNAL_SMS = options
        assert client.session[SESSION_KEY] == str(user.pk)
        return client

    return sign_in


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user(
        "bob", "bob@example.com", PASSWORD, phone_number="+15005550008"
    )


def sign_in_with_code(client, emulator, username="alice"):
    """Password, then the code the emulator sent, then the callback; returns the callback's
    answer. Fails the test if the sign-in was not held for a code."""
    response = log_in(client, username, next_url="/protected/")
    assert response["Location"].startswith("/mfa/challenge/"), response["Location"]
    token = emulator.pass_challenge(pending_mark(client)["token"])
    return client.post("/mfa/callback/", {"token": token})


def held_for_review(client, username="alice"):
    """The sign-in was refused for review; returns the review the app recorded."""
    response = log_in(client, username)
    assert response["Location"] == "/mfa/denied/", response["Location"]
    assert SESSION_KEY not in client.session
    return SignInReview.objects.filter(user__username=username).latest("held_at")


def decide(client, action, *reviews):
    """Run a review action with its confirmation (``post=yes``), as the confirmation page does."""
    data = {"action": action, "_selected_action": [r.pk for r in reviews], "post": "yes"}
    return client.post(CHANGELIST, data)
