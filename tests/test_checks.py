"""Each system check fires on its misconfiguration and is silent on a good one."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_authsignal_sms import checks

MW = "django_authsignal_sms.middleware.AuthsignalSmsMiddleware"


def ids(messages):
    return [message.id for message in messages]


def run_all():
    return [message for check in checks.ALL_CHECKS for message in check()]


def test_good_configuration_is_silent():
    assert run_all() == []


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
    assert ids(checks.check_credentials()) == ["authsignal_sms.E001"]


@override_settings(AUTHSIGNAL_TENANT_ID="")
def test_e002_missing_tenant():
    assert ids(checks.check_credentials()) == ["authsignal_sms.E002"]


@override_settings(AUTHSIGNAL_API_URL="ftp://nope")
def test_e003_bad_api_url():
    assert ids(checks.check_credentials()) == ["authsignal_sms.E003"]


@override_settings(
    AUTHSIGNAL_SECRET_KEY="", AUTHSIGNAL_TENANT_ID="", AUTHSIGNAL_SMS={"ENABLED": False}
)
def test_credentials_are_not_required_when_disabled():
    assert checks.check_credentials() == []


@override_settings(AUTHSIGNAL_SMS={"TIMOUT": 3})
def test_e004_unknown_key():
    [message] = checks.check_options()
    assert message.id == "authsignal_sms.E004"
    assert "TIMOUT" in message.msg


@override_settings(AUTHSIGNAL_SMS=["not", "a", "dict"])
def test_e004_not_a_dict():
    assert ids(checks.check_options()) == ["authsignal_sms.E004"]


@pytest.mark.parametrize(
    "options",
    [
        {"ON_REVIEW": "allow"},
        {"TIMEOUT": 0},
        {"TIMEOUT": "5"},
        {"PENDING_LIFETIME": -1},
        {"RESEND_COOLDOWN": True},
        {"EXEMPT_URLS": "^/health/"},
        {"EXEMPT_URL_NAMES": [1]},
        {"ACTION": ""},
    ],
)
def test_e005_bad_values(options):
    with override_settings(AUTHSIGNAL_SMS=options):
        assert ids(checks.check_options()) == ["authsignal_sms.E005"]


@pytest.mark.parametrize(
    "source", ["tests.phones.nothing_here", "no_such_module.phone", "tests.phones.NOT_CALLABLE"]
)
def test_e006_phone_source_does_not_import_or_call(source):
    with override_settings(AUTHSIGNAL_SMS={"PHONE_NUMBER": source}):
        assert ids(checks.check_phone_source()) == ["authsignal_sms.E006"]


@override_settings(AUTHSIGNAL_SMS={"PHONE_NUMBER": "profile_phone"})
def test_an_attribute_name_is_not_imported():
    assert checks.check_phone_source() == []


def test_w001_middleware_missing(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MW]
    assert ids(checks.check_middleware()) == ["authsignal_sms.W001"]


def test_w002_middleware_before_authentication(settings):
    settings.MIDDLEWARE = [MW] + [m for m in settings.MIDDLEWARE if m != MW]
    assert ids(checks.check_middleware()) == ["authsignal_sms.W002"]


@override_settings(ROOT_URLCONF="tests.urls_without_app")
def test_w003_urls_not_included():
    assert ids(checks.check_urls()) == ["authsignal_sms.W003"]


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
def test_w004_signed_cookie_sessions():
    assert ids(checks.check_session_backend()) == ["authsignal_sms.W004"]


@override_settings(AUTHSIGNAL_SMS={"FAIL_OPEN": True})
def test_w005_fail_open():
    assert ids(checks.check_fail_open()) == ["authsignal_sms.W005"]


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765"])
def test_e010_emulator_with_debug_off(host):
    with override_settings(AUTHSIGNAL_API_URL=f"http://{host}/v1", DEBUG=False):
        assert ids(checks.check_emulator_in_production()) == ["authsignal_sms.E010"]
    with override_settings(AUTHSIGNAL_API_URL=f"http://{host}/v1", DEBUG=True):
        assert checks.check_emulator_in_production() == []


def test_every_message_has_a_hint():
    with override_settings(
        AUTHSIGNAL_SECRET_KEY="",
        AUTHSIGNAL_TENANT_ID="",
        AUTHSIGNAL_API_URL="x",
        AUTHSIGNAL_SMS={"BAD": 1, "FAIL_OPEN": True, "PHONE_NUMBER": "x.y"},
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    ):
        messages = run_all()
    assert len(messages) >= 6
    assert all(message.hint for message in messages)
