"""Each system check fires on its misconfiguration and is silent on a good one.

Every check is run the way Django runs it, through ``manage.py check`` (``reported``): the
framework calls all checks, so one check crashing on a broken setting would hide the rest.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.checks import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_authsignal_sms import checks

MW = "django_authsignal_sms.middleware.AuthsignalSmsMiddleware"
APP_ID = re.compile(r"\((authsignal_sms\.[A-Z]\d{3})\)")


@pytest.fixture(autouse=True)
def no_authsignal_environment(monkeypatch):
    """An empty setting falls back to the environment: the shell's values must not fill it."""
    for name in ("AUTHSIGNAL_API_URL", "AUTHSIGNAL_TENANT_ID", "AUTHSIGNAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


def reported(*, deploy=False):
    """The app's check ids that ``manage.py check [--deploy]`` reports, sorted."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check", deploy=deploy, stdout=out, stderr=err)
    except SystemCheckError as error:
        text = str(error)
    else:
        text = out.getvalue() + err.getvalue()
    return sorted(APP_ID.findall(text))


def test_good_configuration_is_silent():
    assert reported() == []


def test_manage_py_check_passes():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def test_manage_py_check_reports_ids():
    with override_settings(AUTHSIGNAL_SECRET_KEY=""), pytest.raises(SystemCheckError) as error:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "authsignal_sms.E001" in str(error.value)


@override_settings(AUTHSIGNAL_SECRET_KEY="")
def test_e001_missing_secret_key():
    assert reported() == ["authsignal_sms.E001"]


@override_settings(AUTHSIGNAL_TENANT_ID="")
def test_e002_missing_tenant():
    assert reported() == ["authsignal_sms.E002"]


@pytest.mark.parametrize("url", ["ftp://nope", "http://[::1/v1", "http://", 42])
def test_e003_bad_api_url(url):
    with override_settings(AUTHSIGNAL_API_URL=url):
        assert reported() == ["authsignal_sms.E003"]


@override_settings(
    AUTHSIGNAL_SECRET_KEY="", AUTHSIGNAL_TENANT_ID="", AUTHSIGNAL_SMS={"ENABLED": False}
)
def test_credentials_are_not_required_when_disabled():
    assert reported() == []


@override_settings(AUTHSIGNAL_SMS={"TIMOUT": 3})
def test_e004_unknown_key():
    out = StringIO()
    with pytest.raises(SystemCheckError) as error:
        call_command("check", stdout=out, stderr=StringIO())
    assert "(authsignal_sms.E004) AUTHSIGNAL_SMS has an unknown key 'TIMOUT'" in str(error.value)


@override_settings(AUTHSIGNAL_SMS=["not", "a", "dict"])
def test_e004_not_a_dict():
    assert reported() == ["authsignal_sms.E004"]


@pytest.mark.parametrize(
    "options",
    [
        {"ON_REVIEW": "allow"},
        {"ON_REVIEW": "challenge"},
        {"TIMEOUT": 0},
        {"TIMEOUT": "5"},
        {"PENDING_LIFETIME": -1},
        {"RESEND_COOLDOWN": True},
        {"EXEMPT_URLS": "^/health/"},
        {"EXEMPT_URL_NAMES": [1]},
        {"ACTION": ""},
        {"ENABLED": "false"},
        {"MAX_PENDING_PER_USER": -1},
        {"CLIENT_API_URL": "/v1"},
    ],
)
def test_e005_bad_values(options):
    with override_settings(AUTHSIGNAL_SMS=options):
        assert reported() == ["authsignal_sms.E005"]


@pytest.mark.parametrize(
    "options", [{"MAX_PENDING_PER_USER": 0, "MAX_PENDING_PER_IP": 0}, {"CLIENT_API_URL": None}]
)
def test_e005_accepts_documented_values(options):
    with override_settings(AUTHSIGNAL_SMS=options):
        assert reported() == []


@pytest.mark.parametrize(
    "source",
    [
        "tests.phones.nothing_here",
        "no_such_module.phone",
        "tests.phones.NOT_CALLABLE",
        ".relative",
        "..x",
    ],
)
def test_e006_phone_source_does_not_import_or_call(source):
    with override_settings(AUTHSIGNAL_SMS={"PHONE_NUMBER": source}):
        assert reported() == ["authsignal_sms.E006"]


@override_settings(AUTHSIGNAL_SMS={"PHONE_NUMBER": "email"})
def test_an_attribute_name_is_not_imported():
    assert reported() == []


@pytest.mark.parametrize("policy", ["some", "tests.phones.nothing_here", ".x", 3])
def test_e007_bad_enrollment_policy(policy):
    with override_settings(AUTHSIGNAL_SMS={"REQUIRE_ENROLLMENT": policy}):
        assert reported() == ["authsignal_sms.E007"]


def test_w001_middleware_missing(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MW]
    assert reported() == ["authsignal_sms.W001"]


def test_w002_middleware_before_authentication(settings):
    settings.MIDDLEWARE = [MW] + [m for m in settings.MIDDLEWARE if m != MW]
    assert reported() == ["authsignal_sms.W002"]


@override_settings(ROOT_URLCONF="tests.urls_without_app")
def test_w003_urls_not_included():
    assert reported() == ["authsignal_sms.W003"]


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
def test_w004_signed_cookie_sessions():
    assert reported() == ["authsignal_sms.W004"]


@override_settings(AUTHSIGNAL_SMS={"FAIL_OPEN": True})
def test_w005_fail_open():
    assert reported() == ["authsignal_sms.W005"]


def test_deploy_checks_are_registered_as_such():
    """E010, E014, W006, W009, W010 and W011 run with ``check --deploy`` only; the others on
    every command."""
    deploy_only = registry.registry.get_checks(include_deployment_checks=True)
    always = registry.registry.get_checks()
    for check in checks.DEPLOY_CHECKS:
        assert check in deploy_only and check not in always
    for check in checks.ALL_CHECKS:
        assert check in always


def test_every_message_has_a_hint(settings):
    settings.AUTHSIGNAL_SECRET_KEY = ""
    settings.AUTHSIGNAL_TENANT_ID = ""
    settings.AUTHSIGNAL_API_URL = "http://127.0.0.1:8765/v1"
    settings.AUTHSIGNAL_SMS = {
        "BAD": 1,
        "FAIL_OPEN": True,
        "PHONE_NUMBER": "x.y",
        "REQUIRE_ENROLLMENT": "x.y",
        "CACHE_ALIAS": "nope",
        "TIMEOUT": "5",
        "BROWSER_SDK_URL": "sdk.js",
        "CLIENT_API_URL": "http://api.authsignal.com",
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.RemoteUserMiddleware",
    ]
    messages = [
        message
        for message in registry.run_checks(include_deployment_checks=True)
        if message.id.startswith("authsignal_sms.")
    ]
    assert len({message.id for message in messages}) >= 12
    assert all(message.hint for message in messages)
