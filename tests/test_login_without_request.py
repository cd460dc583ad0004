"""A login with no HTTP request (Django Channels over a websocket) cannot be held: it is refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.auth import login as channels_login
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied

from django_authsignal_sms.exceptions import LoginWithoutRequest

pytestmark = pytest.mark.django_db(transaction=True)

BACKEND = "django.contrib.auth.backends.ModelBackend"


def websocket_login(user):
    """Channels' login(), as a consumer awaits it, from a thread with no event loop of its own
    (the browser tests' Playwright runs one in the main thread)."""
    scope = {"session": SessionStore(), "user": AnonymousUser()}
    with ThreadPoolExecutor(1) as thread:
        thread.submit(async_to_sync(channels_login), scope, user, backend=BACKEND).result()
    return scope


def test_a_websocket_login_is_refused_and_names_the_setting(user, authsignal):
    last_login = user.last_login
    with pytest.raises(LoginWithoutRequest, match=r"ALLOW_LOGIN_WITHOUT_REQUEST"):
        websocket_login(user)
    user.refresh_from_db()
    assert user.last_login == last_login
    assert len(authsignal.mock.calls) == 0


def test_the_refusal_is_django_permission_denied(user):
    with pytest.raises(PermissionDenied):
        websocket_login(user)


def test_a_deliberate_exemption_lets_it_through(user, settings):
    settings.AUTHSIGNAL_SMS = {"ALLOW_LOGIN_WITHOUT_REQUEST": True}
    scope = websocket_login(user)
    assert scope["session"][SESSION_KEY] == str(user.pk)
    user.refresh_from_db()
    assert user.last_login is not None


def test_with_the_app_disabled_nothing_is_refused(user, settings):
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}
    assert websocket_login(user)["user"] == user
