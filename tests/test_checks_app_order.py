"""E011: the app listed before django.contrib.auth cannot take over update_last_login."""

from __future__ import annotations

import pytest
from django.contrib.auth.signals import user_logged_in

from tests.test_checks import reported

E011 = "authsignal_sms.E011"
APP_ENTRIES = ["django_authsignal_sms", "django_authsignal_sms.apps.AuthsignalSmsConfig"]
AUTH_ENTRIES = ["django.contrib.auth", "django.contrib.auth.apps.AuthConfig"]


@pytest.fixture
def login_receivers():
    """Reordering INSTALLED_APPS runs every ready() again, which reconnects update_last_login;
    the app registry is restored afterwards, so the receivers must be too."""
    saved = list(user_logged_in.receivers)
    yield
    with user_logged_in.lock:
        user_logged_in.receivers = saved
        user_logged_in.sender_receivers_cache.clear()


def reorder(installed, app, auth, *, app_first):
    rest = [e for e in installed if e not in ("django_authsignal_sms", "django.contrib.auth")]
    return [app, auth, *rest] if app_first else [auth, *rest, app]


@pytest.mark.parametrize("app", APP_ENTRIES)
@pytest.mark.parametrize("auth", AUTH_ENTRIES)
def test_e011_app_before_auth(settings, login_receivers, app, auth):
    settings.INSTALLED_APPS = reorder(settings.INSTALLED_APPS, app, auth, app_first=True)
    assert reported() == [E011]


@pytest.mark.parametrize("app", APP_ENTRIES)
@pytest.mark.parametrize("auth", AUTH_ENTRIES)
def test_e011_app_after_auth(settings, login_receivers, app, auth):
    settings.INSTALLED_APPS = reorder(settings.INSTALLED_APPS, app, auth, app_first=False)
    assert reported() == []
