"""The pytest plugin, as an integrator's project gets it: through the entry point, next to
fixtures of their own with the names this project uses, with and without pytest-django."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

SETTINGS = """
SECRET_KEY = "their-own"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
AUTHSIGNAL_API_URL = "https://authsignal.invalid/v1"
AUTHSIGNAL_SECRET_KEY = "their-secret"
AUTHSIGNAL_TENANT_ID = "their-tenant"
"""
THEIR_FIXTURES = """
import pytest

NAMES = ("authsignal", "emulator", "emulator_server", "user", "staff")


@pytest.fixture
def authsignal():
    return "theirs"


@pytest.fixture
def emulator():
    return "theirs"


@pytest.fixture
def emulator_server():
    return "theirs"


@pytest.fixture
def user():
    return "theirs"


@pytest.fixture
def staff():
    return "theirs"
"""
THEIR_TESTS = """
from django.conf import settings

from django_authsignal_sms.testing import EmulatorServer

servers = []


def test_their_fixtures_are_theirs(authsignal, emulator, emulator_server, user, staff):
    assert {authsignal, emulator, emulator_server, user, staff} == {"theirs"}


def test_one_server_for_the_session(authsignal_emulator_server):
    assert isinstance(authsignal_emulator_server, EmulatorServer)
    assert authsignal_emulator_server.host == "127.0.0.1"
    servers.append(authsignal_emulator_server)


def test_the_app_is_pointed_at_it(authsignal_emulator, authsignal_emulator_server):
    assert authsignal_emulator is authsignal_emulator_server is servers[0]
    assert settings.AUTHSIGNAL_API_URL == authsignal_emulator.base_url
    assert settings.AUTHSIGNAL_SECRET_KEY == "test-secret-key"
    assert settings.AUTHSIGNAL_TENANT_ID == "test-tenant"
    authsignal_emulator.enroll_sms("u1", "+64211234567")
    authsignal_emulator.set_rules({"fallbackState": "BLOCK"})
    authsignal_emulator.set_variants({"bad_token": "not_valid"})
    authsignal_emulator.advance_clock(60)
    authsignal_emulator.set_fault("timeout")


def test_a_fault_left_on_is_cleared(authsignal_emulator_server):
    assert authsignal_emulator_server.faults.current is None


def test_each_test_starts_clean(authsignal_emulator):
    assert authsignal_emulator.store.authenticators == {}
    assert authsignal_emulator.rules.fallback_state == "CHALLENGE_REQUIRED"
    assert authsignal_emulator.variants["bad_token"] == "expired_token"
    assert authsignal_emulator.clock.offset == 0


{settings_test}


def test_the_settings_are_theirs_again():
    assert settings.AUTHSIGNAL_API_URL == "https://authsignal.invalid/v1"
    assert settings.AUTHSIGNAL_SECRET_KEY == "their-secret"
    assert settings.AUTHSIGNAL_TENANT_ID == "their-tenant"
    assert not hasattr(settings, "AUTHSIGNAL_SMS")
"""
# The test's own settings changes, through pytest-django's `settings` or override_settings.
WITH_SETTINGS_FIXTURE = """
def test_settings_changed_in_the_test_too(settings, authsignal_emulator):
    settings.AUTHSIGNAL_SMS = {"TIMEOUT": 1}
    settings.AUTHSIGNAL_API_URL = authsignal_emulator.url + "/v1/"
"""
WITH_OVERRIDE_SETTINGS = """
def test_settings_changed_in_the_test_too(authsignal_emulator):
    from django.test import override_settings

    with override_settings(AUTHSIGNAL_SMS={"TIMEOUT": 1}):
        assert settings.AUTHSIGNAL_API_URL == authsignal_emulator.base_url
"""


@pytest.fixture
def their_project(pytester, monkeypatch):
    pytester.makepyfile(their_settings=SETTINGS, conftest=THEIR_FIXTURES)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "their_settings")
    return pytester


def test_the_entry_point_names_the_plugin():
    [plugin] = entry_points(group="pytest11", name="authsignal_sms")
    assert plugin.value == "django_authsignal_sms.testing.pytest_plugin"


@pytest.mark.slow  # pytester: a pytest run in a subprocess
def test_with_pytest_django(their_project):
    tests = THEIR_TESTS.replace("{settings_test}", WITH_SETTINGS_FIXTURE)
    their_project.makepyfile(test_theirs=tests)
    result = their_project.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


@pytest.mark.slow  # pytester: a pytest run in a subprocess
def test_without_pytest_django(their_project, monkeypatch):
    """Django configured by the project itself: the fixture uses override_settings."""
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    their_project.makeconftest(
        THEIR_FIXTURES
        + """
import django
from django.conf import settings

import their_settings

settings.configure(**{k: v for k, v in vars(their_settings).items() if k.isupper()})
django.setup()
"""
    )
    tests = THEIR_TESTS.replace("{settings_test}", WITH_OVERRIDE_SETTINGS)
    their_project.makepyfile(test_theirs=tests)
    result = their_project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=7)


@pytest.mark.slow  # pytester: a pytest run in a subprocess
def test_the_fixtures_come_from_the_entry_point(their_project):
    their_project.makepyfile(test_theirs="def test_it(authsignal_emulator):\n    pass\n")
    result = their_project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:authsignal_sms")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'authsignal_emulator' not found*"])
