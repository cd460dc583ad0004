"""System checks: ``python manage.py check`` names each misconfiguration with an id and a fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from .conf import DEFAULTS, ENROLLMENT_POLICIES, ON_REVIEW_CHOICES, app_settings

MIDDLEWARE = "django_authsignal_sms.middleware.AuthsignalSmsMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
SIGNED_COOKIES = "django.contrib.sessions.backends.signed_cookies"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

POSITIVE_NUMBERS = (
    "TIMEOUT",
    "PENDING_LIFETIME",
    "TRUSTED_PROXY_COUNT",
    "MAX_RESENDS",
    "MAX_FAILED_VERIFICATIONS",
)
NON_NEGATIVE_NUMBERS = ("RESEND_COOLDOWN",)
STRING_LISTS = ("EXEMPT_URLS", "EXEMPT_URL_NAMES", "LOGOUT_URL_NAMES")


def check_credentials(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not app_settings.ENABLED:
        return errors
    if not app_settings.SECRET_KEY:
        errors.append(
            Error(
                "AUTHSIGNAL_SECRET_KEY is not set.",
                hint="Set it from the environment (env('AUTHSIGNAL_SECRET_KEY')); find it in the "
                "Authsignal portal under Settings > API keys.",
                id="authsignal_sms.E001",
            )
        )
    if not app_settings.TENANT_ID:
        errors.append(
            Error(
                "AUTHSIGNAL_TENANT_ID is not set.",
                hint="The browser SDK needs it; set it from the environment like the secret key.",
                id="authsignal_sms.E002",
            )
        )
    url = urlsplit(app_settings.API_URL)
    if url.scheme not in ("http", "https") or not url.netloc:
        errors.append(
            Error(
                f"AUTHSIGNAL_API_URL {app_settings.API_URL!r} is not an http(s) URL.",
                hint="Use your region's base URL with /v1, e.g. https://api.authsignal.com/v1.",
                id="authsignal_sms.E003",
            )
        )
    return errors


def check_options(**kwargs: Any) -> list[CheckMessage]:
    options = getattr(settings, "AUTHSIGNAL_SMS", {})
    if not isinstance(options, dict):
        return [
            Error(
                "AUTHSIGNAL_SMS must be a dict.",
                hint="See the README's Settings table.",
                id="authsignal_sms.E004",
            )
        ]
    errors: list[CheckMessage] = [
        Error(
            f"AUTHSIGNAL_SMS has an unknown key {key!r}.",
            hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.",
            id="authsignal_sms.E004",
        )
        for key in sorted(set(options) - set(DEFAULTS))
    ]
    return errors + [
        Error(
            f"AUTHSIGNAL_SMS[{key!r}] {problem}.",
            hint="See the README's Settings table.",
            id="authsignal_sms.E005",
        )
        for key, problem in _value_problems(options)
    ]


def _value_problems(options: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    on_review = options.get("ON_REVIEW", "block")
    if on_review == "challenge":
        problems.append(
            (
                "ON_REVIEW",
                "can no longer be 'challenge' (Authsignal does not let a held-for-review action "
                "be completed with a code); remove it: REVIEW_REQUIRED is refused",
            )
        )
    elif on_review not in ON_REVIEW_CHOICES:
        problems.append(("ON_REVIEW", f"must be one of {', '.join(ON_REVIEW_CHOICES)}"))
    help_url = options.get("HELP_URL")
    if help_url is not None and not isinstance(help_url, str):
        problems.append(("HELP_URL", "must be a URL string or None"))
    for key in POSITIVE_NUMBERS + NON_NEGATIVE_NUMBERS:
        value = options.get(key, DEFAULTS[key])
        low = 0 if key in NON_NEGATIVE_NUMBERS else 1e-9
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            problems.append((key, "must be a positive number"))
    for key in STRING_LISTS:
        value = options.get(key, DEFAULTS[key])
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            problems.append((key, "must be a list of strings"))
    for key in ("ACTION", "PHONE_NUMBER", "BROWSER_SDK_URL", "DEVICE_ID_COOKIE"):
        value = options.get(key, DEFAULTS[key])
        if not isinstance(value, str) or not value:
            problems.append((key, "must be a non-empty string"))
    return problems


def check_phone_source(**kwargs: Any) -> list[CheckMessage]:
    source = getattr(settings, "AUTHSIGNAL_SMS", {}).get("PHONE_NUMBER", DEFAULTS["PHONE_NUMBER"])
    if not isinstance(source, str) or "." not in source:
        return []
    try:
        loaded = import_string(source)
    except ImportError as exc:
        return [
            Error(
                f"AUTHSIGNAL_SMS['PHONE_NUMBER'] {source!r} does not import: {exc}",
                hint="Give a user attribute name or a dotted path to a callable(user).",
                id="authsignal_sms.E006",
            )
        ]
    if not callable(loaded):
        return [
            Error(
                f"AUTHSIGNAL_SMS['PHONE_NUMBER'] {source!r} is not callable.",
                hint="Point it at a function that takes the user and returns a phone number.",
                id="authsignal_sms.E006",
            )
        ]
    return []


def check_enrollment_policy(**kwargs: Any) -> list[CheckMessage]:
    options = getattr(settings, "AUTHSIGNAL_SMS", {})
    policy = options.get("REQUIRE_ENROLLMENT", "all") if isinstance(options, dict) else "all"
    if policy in ENROLLMENT_POLICIES:
        return []
    problem = ""
    if not isinstance(policy, str) or "." not in policy:
        problem = "is neither 'all', 'staff', 'none' nor a dotted path"
    else:
        try:
            loaded = import_string(policy)
        except ImportError as exc:
            problem = f"does not import: {exc}"
        else:
            problem = "" if callable(loaded) else "is not callable"
    if not problem:
        return []
    return [
        Error(
            f"AUTHSIGNAL_SMS['REQUIRE_ENROLLMENT'] {policy!r} {problem}.",
            hint="Use 'all' (the default), 'staff', 'none', or a dotted path to a function "
            "f(user) -> bool saying whether that user must have a second factor.",
            id="authsignal_sms.E007",
        )
    ]


def check_middleware(**kwargs: Any) -> list[CheckMessage]:
    middleware = list(settings.MIDDLEWARE)
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


def check_session_backend(**kwargs: Any) -> list[CheckMessage]:
    if settings.SESSION_ENGINE != SIGNED_COOKIES:
        return []
    return [
        Warning(
            "Signed-cookie sessions let a used pending mark be brought back by replaying "
            "an old cookie.",
            hint="Use a server-side session backend (database, cache or cached_db).",
            id="authsignal_sms.W004",
        )
    ]


def check_fail_open(**kwargs: Any) -> list[CheckMessage]:
    if not app_settings.FAIL_OPEN:
        return []
    return [
        Warning(
            "AUTHSIGNAL_SMS['FAIL_OPEN'] is on: while Authsignal cannot be reached, "
            "logins complete with the password alone.",
            hint="Leave it off unless availability matters more than the second factor; "
            "silence with SILENCED_SYSTEM_CHECKS = ['authsignal_sms.W005'].",
            id="authsignal_sms.W005",
        )
    ]


def check_emulator_in_production(**kwargs: Any) -> list[CheckMessage]:
    host = urlsplit(app_settings.API_URL).hostname or ""
    if settings.DEBUG or host not in LOOPBACK_HOSTS:
        return []
    return [
        Error(
            f"AUTHSIGNAL_API_URL points at this machine ({host}) with DEBUG=False.",
            hint="The local emulator is for development only; use your region's "
            "Authsignal URL in production.",
            id="authsignal_sms.E010",
        )
    ]


ALL_CHECKS: list[Callable[..., list[CheckMessage]]] = [
    check_credentials,
    check_options,
    check_phone_source,
    check_enrollment_policy,
    check_middleware,
    check_urls,
    check_session_backend,
    check_fail_open,
    check_emulator_in_production,
]
