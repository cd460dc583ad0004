"""Logins the app never sees: DRF's BasicAuthentication (W007) and REMOTE_USER logins (W008).

Both authenticate without the code step; they warn only while the app is ENABLED. DRF is
configured by settings strings only (the check never imports it).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import RemoteUserMiddleware

from tests.test_checks import reported

W007 = "authsignal_sms.W007"
W008 = "authsignal_sms.W008"
BASIC = "rest_framework.authentication.BasicAuthentication"
SESSION = "rest_framework.authentication.SessionAuthentication"
TOKEN = "rest_framework.authentication.TokenAuthentication"


class HeaderMiddleware(RemoteUserMiddleware):
    """What Django's docs suggest for another header."""

    header = "HTTP_AUTHUSER"


class SsoBackend(RemoteUserBackend):
    create_unknown_user = False


def drf_apps(installed):
    return [app for app in installed if app.startswith(("rest_framework", "dj_rest_auth"))]


@pytest.fixture
def drf(settings):
    """DRF installed (the test settings may list it already), configured per test."""
    if "rest_framework" not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "rest_framework"]
    return settings


@pytest.mark.parametrize(
    "config",
    [
        None,
        {},
        {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]},
        {"DEFAULT_AUTHENTICATION_CLASSES": [SESSION, BASIC]},
        {"DEFAULT_AUTHENTICATION_CLASSES": (BASIC,)},
        {"DEFAULT_AUTHENTICATION_CLASSES": BASIC},
    ],
)
def test_w007_basic_authentication(drf, config):
    if config is None:
        if hasattr(drf, "REST_FRAMEWORK"):
            del drf.REST_FRAMEWORK
    else:
        drf.REST_FRAMEWORK = config
    assert reported() == [W007]


@pytest.mark.parametrize(
    "classes", [[SESSION], [SESSION, TOKEN], [], ["tests.no_such_module.Authentication"]]
)
def test_w007_is_silent_without_basic_authentication(drf, classes):
    drf.REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": classes}
    assert reported() == []


def test_w007_needs_rest_framework_installed(settings):
    drf_entries = drf_apps(settings.INSTALLED_APPS)
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app not in drf_entries]
    settings.REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [BASIC]}
    assert reported() == []


def test_w007_only_while_enabled(drf):
    drf.AUTHSIGNAL_SMS = {"ENABLED": False}
    assert reported() == []


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ("MIDDLEWARE", "django.contrib.auth.middleware.RemoteUserMiddleware"),
        ("MIDDLEWARE", "django.contrib.auth.middleware.PersistentRemoteUserMiddleware"),
        ("MIDDLEWARE", f"{__name__}.HeaderMiddleware"),
        ("AUTHENTICATION_BACKENDS", "django.contrib.auth.backends.RemoteUserBackend"),
        ("AUTHENTICATION_BACKENDS", f"{__name__}.SsoBackend"),
    ],
)
def test_w008_remote_user(settings, setting, path):
    setattr(settings, setting, [*getattr(settings, setting), path])
    assert reported() == [W008]


def test_w008_names_each_one(settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.PersistentRemoteUserMiddleware",
    ]
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.RemoteUserBackend"]
    assert reported() == [W008, W008]


def test_w008_only_while_enabled(settings):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.RemoteUserBackend"]
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}
    assert reported() == []
