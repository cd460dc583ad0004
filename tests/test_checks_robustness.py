"""A broken AUTHSIGNAL_SMS is reported by its id; no check crashes on it, with or without --deploy.

A check that raises stops ``manage.py check`` before any message is printed, so the id that
names the mistake would never be seen: every case runs the whole framework.
"""

from __future__ import annotations

import pytest

from django_authsignal_sms.conf import DEFAULTS, app_settings
from tests.test_checks import reported

NOT_A_DICT = [["not", "a", "dict"], "ENABLED", None, 42, ("ENABLED", False), {"ENABLED"}]

# One wrongly typed (or invalid) value per option, and the id that reports it.
WRONG_VALUES = [
    ("ENABLED", "false", "E005"),
    ("ACTION", 5, "E005"),
    ("PHONE_NUMBER", 5, "E005"),
    ("PHONE_NUMBER", ".phone", "E006"),
    ("PHONE_NUMBER", "no_such_attribute", "E013"),
    ("REQUIRE_ENROLLMENT", 5, "E007"),
    ("REQUIRE_ENROLLMENT", "..policy", "E007"),
    ("HELP_URL", 5, "E005"),
    ("ON_REVIEW", ["block"], "E005"),
    ("FAIL_OPEN", "no", "E005"),
    ("TIMEOUT", "5", "E005"),
    ("PENDING_LIFETIME", None, "E005"),
    ("BROWSER_SDK_URL", 5, "E005"),
    ("BROWSER_SDK_URL", "", "E005"),
    ("BROWSER_SDK_URL", "sdk.js", "E012"),
    ("BROWSER_SDK_URL", "https://[::1/sdk.js", "E012"),
    ("BROWSER_SDK_INTEGRITY", 5, "E005"),
    ("CLIENT_API_URL", 5, "E005"),
    ("CLIENT_API_URL", "http://[::1/v1", "E005"),
    ("EXEMPT_URLS", "^/health/", "E005"),
    ("EXEMPT_URL_NAMES", [1], "E005"),
    ("LOGOUT_URL_NAMES", None, "E005"),
    ("CLIENT_IP_HEADER", 5, "E005"),
    ("TRUSTED_PROXY_COUNT", "1", "E005"),
    ("RESEND_COOLDOWN", -1, "E005"),
    ("MAX_RESENDS", [3], "E005"),
    ("MAX_FAILED_VERIFICATIONS", None, "E005"),
    ("WHATSAPP", "yes", "E005"),
    ("DEVICE_ID_COOKIE", "", "E005"),
    ("ALLOW_LOGIN_WITHOUT_REQUEST", "true", "E005"),
    ("CACHE_ALIAS", 5, "E005"),
    ("CACHE_ALIAS", ["default"], "E005"),
    ("CACHE_ALIAS", "", "E005"),
    ("MAX_PENDING_PER_USER", "5", "E005"),
    ("MAX_PENDING_PER_IP", -1, "E005"),
    ("PENDING_WINDOW", 0, "E005"),
    ("SITE_NAME", "", "E005"),
    ("SUPPORT_CONTACT", 5, "E005"),
    ("SUPPORT_CONTACT", "https://", "E016"),
    ("SHOW_REFERENCE", "yes", "E005"),
    ("SECURITY_ACTION", "", "E005"),
    ("SECURITY_STEP_UP_MAX_AGE", 0, "E005"),
    ("SECURITY_ALLOW_REMOVE", "yes", "E005"),
    ("PHONE_NUMBER_SETTER", 5, "E005"),
    ("PHONE_NUMBER_SETTER", "tests.account.hooks.nothing_here", "E015"),
    ("ADMIN_USER_TOOLS", "yes", "E005"),
    ("REVIEW_APPROVAL_LIFETIME", 0, "E005"),
    ("METHODS", "SMS", "E005"),
    ("METHODS", [], "E005"),
    ("METHODS", ["SMS", "TOTP"], "E005"),
    ("METHODS", ["SMS", "SMS"], "E005"),
    ("METHODS", [1], "E005"),
]

UNKNOWN_KEYS = [
    {"TIMOUT": 3},
    {1: True},
    {None: 1, "ENABLED": True},
    {("A",): 1},
    # Unknown keys of several types cannot be sorted among themselves.
    {1: True, "TIMOUT": 3, None: 0},
]


@pytest.mark.parametrize("deploy", [False, True], ids=["check", "check--deploy"])
@pytest.mark.parametrize("value", NOT_A_DICT, ids=repr)
def test_not_a_dict(settings, value, deploy):
    settings.AUTHSIGNAL_SMS = value
    assert "authsignal_sms.E004" in reported(deploy=deploy)


@pytest.mark.parametrize("deploy", [False, True], ids=["check", "check--deploy"])
@pytest.mark.parametrize(("key", "value", "expected"), WRONG_VALUES, ids=repr)
def test_wrongly_typed_value(settings, key, value, expected, deploy):
    settings.AUTHSIGNAL_SMS = {key: value}
    assert f"authsignal_sms.{expected}" in reported(deploy=deploy)


@pytest.mark.parametrize("deploy", [False, True], ids=["check", "check--deploy"])
@pytest.mark.parametrize("options", UNKNOWN_KEYS, ids=repr)
def test_unknown_keys(settings, options, deploy):
    settings.AUTHSIGNAL_SMS = options
    assert "authsignal_sms.E004" in reported(deploy=deploy)


@pytest.mark.parametrize("deploy", [False, True], ids=["check", "check--deploy"])
@pytest.mark.parametrize("url", ["http://[::1/v1", "http://[nope]/v1", 42, "http://"])
def test_unparsable_api_url(settings, url, deploy):
    settings.AUTHSIGNAL_API_URL = url
    assert "authsignal_sms.E003" in reported(deploy=deploy)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("MIDDLEWARE", None),
        ("AUTHENTICATION_BACKENDS", "django.contrib.auth.backends.ModelBackend"),
        ("CACHES", ["default"]),
        ("CACHES", {"default": "locmem"}),
        ("REST_FRAMEWORK", "BasicAuthentication"),
    ],
)
def test_django_settings_of_the_wrong_type_do_not_crash_the_app_checks(settings, setting, value):
    """Django reports its own settings; the app's checks must not raise on them."""
    from django_authsignal_sms import checks

    setattr(settings, setting, value)
    for check in checks.ALL_CHECKS + checks.DEPLOY_CHECKS:
        check()


def test_every_option_has_a_wrong_value_case():
    assert {key for key, _, _ in WRONG_VALUES} == set(DEFAULTS)


@pytest.mark.parametrize("value", NOT_A_DICT, ids=repr)
def test_settings_read_the_defaults_when_not_a_dict(settings, value):
    settings.AUTHSIGNAL_SMS = value
    assert app_settings.ENABLED is True
    assert app_settings.FAIL_OPEN is False
    assert app_settings.CACHE_ALIAS == "default"
    assert app_settings.EXEMPT_URLS == []
