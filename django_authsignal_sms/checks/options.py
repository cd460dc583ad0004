"""The AUTHSIGNAL_SMS dict: a dict, known keys, each value of its type (E004, E005), and
FAIL_OPEN (W005)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..conf import DEFAULTS, ON_REVIEW_CHOICES, app_settings
from ..methods import KNOWN as KNOWN_METHODS
from .reading import is_http_url

POSITIVE_NUMBERS = (
    "TIMEOUT",
    "PENDING_LIFETIME",
    "TRUSTED_PROXY_COUNT",
    "MAX_RESENDS",
    "MAX_FAILED_VERIFICATIONS",
    "PENDING_WINDOW",
    "SECURITY_STEP_UP_MAX_AGE",
    "REVIEW_APPROVAL_LIFETIME",
)
# 0 turns the pending-login budgets off.
NON_NEGATIVE_NUMBERS = ("RESEND_COOLDOWN", "MAX_PENDING_PER_USER", "MAX_PENDING_PER_IP")
STRING_LISTS = ("EXEMPT_URLS", "EXEMPT_URL_NAMES", "LOGOUT_URL_NAMES")
BOOLEANS = (
    "ENABLED",
    "FAIL_OPEN",
    "WHATSAPP",
    "ALLOW_LOGIN_WITHOUT_REQUEST",
    "SECURITY_ALLOW_REMOVE",
    "ADMIN_USER_TOOLS",
)
NON_EMPTY_STRINGS = (
    "ACTION",
    "PHONE_NUMBER",
    "DEVICE_ID_COOKIE",
    "CACHE_ALIAS",
    "SECURITY_ACTION",
)


def check_options(**kwargs: Any) -> list[CheckMessage]:
    options = getattr(settings, "AUTHSIGNAL_SMS", {})
    if not isinstance(options, dict):
        return [
            Error(
                f"AUTHSIGNAL_SMS must be a dict, not {type(options).__name__}.",
                hint="See docs/settings.md: every option with its default.",
                id="authsignal_sms.E004",
            )
        ]
    errors: list[CheckMessage] = [
        Error(
            f"AUTHSIGNAL_SMS has an unknown key {key!r}.",
            hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.",
            id="authsignal_sms.E004",
        )
        for key in sorted(set(options) - set(DEFAULTS), key=repr)
    ]
    return errors + [
        Error(
            f"AUTHSIGNAL_SMS[{key!r}] {problem}.",
            hint="See docs/settings.md: every option with its default.",
            id="authsignal_sms.E005",
        )
        for key, problem in _value_problems(options)
    ]


def _value_problems(options: dict[Any, Any]) -> list[tuple[str, str]]:
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
    for key, rule in RULES.items():
        if key in options and not rule[0](options[key]):
            problems.append((key, rule[1]))
    return problems


def _number(low: float) -> Callable[[Any], bool]:
    def valid(value: Any) -> bool:
        return not isinstance(value, bool) and isinstance(value, int | float) and value >= low

    return valid


def _optional(valid: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or valid(value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _is_non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _is_http_url_string(value: Any) -> bool:
    return isinstance(value, str) and is_http_url(value)


def _is_method_list(value: Any) -> bool:
    """A non-empty list of distinct verification methods the app knows (methods.KNOWN)."""
    if not isinstance(value, list | tuple) or not value:
        return False
    if not all(isinstance(method, str) for method in value):
        return False
    return set(value) <= set(KNOWN_METHODS) and len(set(value)) == len(value)


# What each option must be (PHONE_NUMBER and REQUIRE_ENROLLMENT also have E006, E007 and E013;
# BROWSER_SDK_URL has E012 for the URL itself).
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    **dict.fromkeys(POSITIVE_NUMBERS, (_number(1e-9), "must be a positive number")),
    **dict.fromkeys(NON_NEGATIVE_NUMBERS, (_number(0), "must be a number >= 0")),
    **dict.fromkeys(STRING_LISTS, (_is_string_list, "must be a list of strings")),
    **dict.fromkeys(BOOLEANS, (_is_bool, "must be True or False")),
    **dict.fromkeys(NON_EMPTY_STRINGS, (_is_non_empty_string, "must be a non-empty string")),
    "HELP_URL": (_optional(_is_string), "must be a URL string or None"),
    "SITE_NAME": (
        _optional(_is_non_empty_string),
        "must be a non-empty string, or None for the host name of the request",
    ),
    "SUPPORT_CONTACT": (
        _optional(_is_non_empty_string),
        "must be an email address, a URL or a short text, or None",
    ),
    "SHOW_REFERENCE": (_is_bool, "must be True or False"),
    "CLIENT_IP_HEADER": (_optional(_is_string), "must be a string or None"),
    "BROWSER_SDK_URL": (
        _optional(_is_non_empty_string),
        "must be a URL string, or None for the copy shipped with the app",
    ),
    "BROWSER_SDK_INTEGRITY": (_is_string, "must be a string ('' for none)"),
    "CLIENT_API_URL": (_optional(_is_http_url_string), "must be an http(s) URL or None"),
    "PHONE_NUMBER_SETTER": (
        _optional(_is_non_empty_string),
        "must be the dotted path of a callable f(user, phone_number), or None",
    ),
    "METHODS": (
        _optional(_is_method_list),
        f"must be None or a non-empty list of distinct methods among {', '.join(KNOWN_METHODS)}",
    ),
}


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
