"""Logins that never call login(), so the app never sees them: DRF's BasicAuthentication (W007)
and REMOTE_USER (W008)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

from ..conf import app_settings
from .reading import is_or_subclasses, lists_app, strings

DRF_BASIC = "rest_framework.authentication.BasicAuthentication"
REMOTE_USER = (
    "django.contrib.auth.middleware.RemoteUserMiddleware",
    "django.contrib.auth.middleware.PersistentRemoteUserMiddleware",
    "django.contrib.auth.backends.RemoteUserBackend",
)


def check_drf_basic_auth(**kwargs: Any) -> list[CheckMessage]:
    if not app_settings.ENABLED or not lists_app("rest_framework"):
        return []
    config = getattr(settings, "REST_FRAMEWORK", {})
    if not isinstance(config, dict) or "DEFAULT_AUTHENTICATION_CLASSES" not in config:
        where = "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] is not set, and DRF's default"
    else:
        classes = config["DEFAULT_AUTHENTICATION_CLASSES"]
        paths = [classes] if isinstance(classes, str) else strings(classes)
        if not any(is_or_subclasses(path, DRF_BASIC) for path in paths):
            return []
        where = "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']"
    return [
        Warning(
            f"{where} includes {DRF_BASIC}: API requests are authenticated with the password "
            "alone, without login(), so no code is asked for.",
            hint="Set DEFAULT_AUTHENTICATION_CLASSES without BasicAuthentication (e.g. "
            "SessionAuthentication, or tokens issued only to a session that completed the code "
            "step, not by a password-only endpoint such as obtain_auth_token); drop it from "
            "views' authentication_classes too.",
            id="authsignal_sms.W007",
        )
    ]


def check_remote_user(**kwargs: Any) -> list[CheckMessage]:
    if not app_settings.ENABLED:
        return []
    middleware = strings(getattr(settings, "MIDDLEWARE", []))
    backends = strings(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    found = [
        (setting, path)
        for setting, paths in (("MIDDLEWARE", middleware), ("AUTHENTICATION_BACKENDS", backends))
        for path in paths
        if any(is_or_subclasses(path, target) for target in REMOTE_USER)
    ]
    return [
        Warning(
            f"{setting} has {path}: it logs users in from a request header (REMOTE_USER) set "
            "by your web server or proxy, outside the app's code step.",
            hint="Such logins get their second factor from your single sign-on, not from this "
            "app: remove it, or make sure the SSO in front asks for one and silence with "
            "SILENCED_SYSTEM_CHECKS = ['authsignal_sms.W008'].",
            id="authsignal_sms.W008",
        )
        for setting, path in found
    ]
