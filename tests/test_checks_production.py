"""Deployment checks (``manage.py check --deploy``): E010 (the emulator's URL in production),
W006 (the code step turned off in production), E014 (plain http:// to Authsignal) and W011 (a
base URL without /v1).

They do not run on plain ``manage.py check``, so ``manage.py test`` (DEBUG=False) is not stopped.
"""

from __future__ import annotations

import pytest

from tests.test_checks import reported

E010 = "authsignal_sms.E010"
W006 = "authsignal_sms.W006"

THIS_MACHINE = [
    "127.0.0.1:8765",
    "localhost:8765",
    "[::1]:8765",
    "127.0.0.2",
    "127.255.255.254:80",
    "0.0.0.0:8765",
    "127.1:8765",
    "0x7f.1",
    "2130706433",
    "0",
    "localhost.:8765",
    "LOCALHOST",
    "emulator.localhost",
    "emulator.localhost.",
    "[::]:8765",
    "[::ffff:127.0.0.1]:8765",
    "[::ffff:7f00:2]",
    "[0:0:0:0:0:0:0:1]",
    "user:pass@127.0.0.1:8765",
]
ELSEWHERE = [
    "api.authsignal.com",
    "au.api.authsignal.com",
    "10.0.0.5:8765",
    "192.168.1.10",
    "[2001:db8::1]",
    "[::ffff:10.0.0.1]",
    "localhost.example.com",
    "mylocalhost",
    "cafe.de",
]


@pytest.mark.parametrize("host", THIS_MACHINE)
def test_e010_emulator_url_with_debug_off(settings, host):
    settings.DEBUG = False
    settings.AUTHSIGNAL_API_URL = f"http://{host}/v1"
    assert E010 in reported(deploy=True)


@pytest.mark.parametrize("host", THIS_MACHINE[:8])
def test_e010_client_api_url_too(settings, host):
    settings.DEBUG = False
    settings.AUTHSIGNAL_SMS = {"CLIENT_API_URL": f"http://{host}/v1"}
    assert reported(deploy=True).count(E010) == 1


@pytest.mark.parametrize("host", ELSEWHERE)
def test_e010_is_silent_for_other_hosts(settings, host):
    settings.DEBUG = False
    settings.AUTHSIGNAL_API_URL = f"https://{host}/v1"
    settings.AUTHSIGNAL_SMS = {"CLIENT_API_URL": f"https://{host}/v1"}
    assert E010 not in reported(deploy=True)


def test_e010_is_silent_with_debug_on(settings):
    settings.DEBUG = True
    settings.AUTHSIGNAL_API_URL = "http://127.0.0.1:8765/v1"
    assert E010 not in reported(deploy=True)


def test_e010_does_not_stop_manage_py_test(settings):
    """Django's test runner sets DEBUG=False: plain ``check`` must not refuse the emulator."""
    settings.DEBUG = False
    settings.AUTHSIGNAL_API_URL = "http://127.0.0.1:8765/v1"
    assert reported() == []


def test_w006_disabled_with_debug_off(settings):
    settings.DEBUG = False
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}
    assert W006 in reported(deploy=True)
    assert reported() == []


def test_w006_is_silent_when_enabled_or_debugging(settings):
    settings.DEBUG = False
    assert W006 not in reported(deploy=True)
    settings.DEBUG = True
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}
    assert W006 not in reported(deploy=True)


def test_w006_can_be_silenced(settings):
    settings.DEBUG = False
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}
    settings.SILENCED_SYSTEM_CHECKS = [W006]
    assert W006 not in reported(deploy=True)


E014 = "authsignal_sms.E014"
W011 = "authsignal_sms.W011"


@pytest.mark.parametrize("host", ELSEWHERE)
def test_e014_plain_http_to_another_machine(settings, host):
    settings.AUTHSIGNAL_API_URL = f"http://{host}/v1"
    assert E014 in reported(deploy=True)
    assert reported() == []  # a deployment check only


def test_e014_client_api_url_too(settings):
    settings.AUTHSIGNAL_SMS = {"CLIENT_API_URL": "http://api.authsignal.com/v1"}
    assert reported(deploy=True).count(E014) == 1


@pytest.mark.parametrize("debug", [True, False])
def test_e014_is_silent_for_https_and_for_this_machine(settings, debug):
    """http:// to this machine is the emulator: E010's business (with DEBUG off), not E014's."""
    settings.DEBUG = debug
    settings.AUTHSIGNAL_SMS = {"CLIENT_API_URL": "https://au.api.authsignal.com/v1"}
    for host in THIS_MACHINE[:4]:
        settings.AUTHSIGNAL_API_URL = f"http://{host}/v1"
        assert E014 not in reported(deploy=True)
    settings.AUTHSIGNAL_API_URL = "https://api.authsignal.com/v1"
    assert E014 not in reported(deploy=True)


def test_e014_reads_the_environment_too(settings, monkeypatch):
    settings.AUTHSIGNAL_API_URL = ""
    monkeypatch.setenv("AUTHSIGNAL_API_URL", "http://api.authsignal.com/v1")
    assert E014 in reported(deploy=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.authsignal.com",
        "https://api.authsignal.com/",
        "https://api.authsignal.com/v2",
        "https://api.authsignal.com/v1/users",
        "https://proxy.example.com/authsignal",
    ],
)
def test_w011_a_base_url_without_v1(settings, url):
    settings.AUTHSIGNAL_API_URL = url
    assert W011 in reported(deploy=True)
    assert reported() == []


def test_w011_client_api_url_too(settings):
    settings.AUTHSIGNAL_SMS = {"CLIENT_API_URL": "https://au.api.authsignal.com"}
    assert reported(deploy=True).count(W011) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://api.authsignal.com/v1",
        "https://au.api.authsignal.com/v1/",
        "https://proxy.example.com/authsignal/v1",
    ],
)
def test_w011_is_silent_with_v1(settings, url):
    settings.AUTHSIGNAL_API_URL = url
    assert W011 not in reported(deploy=True)


def test_w011_is_silent_for_a_url_e003_reports(settings):
    settings.AUTHSIGNAL_API_URL = "ftp://api.authsignal.com"
    assert reported(deploy=True).count(W011) == 0


def test_w011_can_be_silenced(settings):
    settings.AUTHSIGNAL_API_URL = "https://proxy.example.com/authsignal"
    settings.SILENCED_SYSTEM_CHECKS = [W011]
    assert W011 not in reported(deploy=True)
