"""The project around the app: INSTALLED_APPS order (E011), the middleware (W001, W002) and the
URLs (W003)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.urls import NoReverseMatch, reverse

from .reading import strings

APP = "django_authsignal_sms"
AUTH_APP = "django.contrib.auth"
MIDDLEWARE = "django_authsignal_sms.middleware.AuthsignalSmsMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


def check_app_order(**kwargs: Any) -> list[CheckMessage]:
    # The app registry, not the strings: "django_authsignal_sms" and its AppConfig path alike.
    names = [config.name for config in apps.get_app_configs()]
    if APP not in names or AUTH_APP not in names or names.index(APP) > names.index(AUTH_APP):
        return []
    return [
        Error(
            "django_authsignal_sms comes before django.contrib.auth in INSTALLED_APPS.",
            hint="Move it after django.contrib.auth: django.contrib.auth connects "
            "update_last_login when it is ready, after this app has disconnected it, so a login "
            "held for a code or refused would still update last_login.",
            id="authsignal_sms.E011",
        )
    ]


def check_middleware(**kwargs: Any) -> list[CheckMessage]:
    middleware = strings(getattr(settings, "MIDDLEWARE", []))
    if MIDDLEWARE not in middleware:
        return [
            Warning(
                f"{MIDDLEWARE} is not in MIDDLEWARE.",
                hint="Add it after AuthenticationMiddleware; without it a session waiting "
                "for a code is not sent to the code page.",
                id="authsignal_sms.W001",
            )
        ]
    if AUTH_MIDDLEWARE in middleware and middleware.index(MIDDLEWARE) < middleware.index(
        AUTH_MIDDLEWARE
    ):
        return [
            Warning(
                f"{MIDDLEWARE} comes before AuthenticationMiddleware.",
                hint="Move it after django.contrib.auth.middleware.AuthenticationMiddleware.",
                id="authsignal_sms.W002",
            )
        ]
    return []


def check_urls(**kwargs: Any) -> list[CheckMessage]:
    try:
        reverse("authsignal_sms:challenge")
    except NoReverseMatch:
        return [
            Warning(
                "The app's URLs are not included.",
                hint='Add path("mfa/", include("django_authsignal_sms.urls")) to your '
                "ROOT_URLCONF.",
                id="authsignal_sms.W003",
            )
        ]
    return []
