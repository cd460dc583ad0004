"""The app's own URLs are reversed once per URLconf, script prefix and language, not on every
request: the code page and the password step ask for the same few URLs each time."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import override_settings
from django.urls import URLResolver, set_script_prefix
from django.utils import translation

from django_authsignal_sms import redirects
from tests.conftest import start_pending

pytestmark = pytest.mark.django_db


def counting_reverse():
    """Counts every reverse() in the process, wherever it is imported from."""
    original = URLResolver._reverse_with_prefix
    return mock.patch.object(
        URLResolver, "_reverse_with_prefix", autospec=True, side_effect=original
    )


def test_a_second_code_page_reverses_no_url(pending):
    pending.get("/mfa/challenge/")
    with counting_reverse() as counted:
        page = pending.get("/mfa/challenge/")
    assert page.status_code == 200
    assert counted.call_count == 0
    assert b'data-resend-url="/mfa/resend/"' in page.content


def test_a_second_password_step_reverses_no_url(client, user, authsignal):
    # With a ``next`` the login view itself reverses nothing (LOGIN_REDIRECT_URL is a name here).
    start_pending(client, authsignal, next_url="/protected/")
    client.post("/mfa/cancel/")
    with counting_reverse() as counted:
        response = start_pending(client, authsignal, idem="idem-2", next_url="/protected/")
    assert counted.call_count == 0
    assert response["Location"] == "/mfa/challenge/?next=%2Fprotected%2F"


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


def test_the_script_prefix_is_part_of_what_is_remembered(script_prefix):
    assert redirects.app_url("challenge") == "/mfa/challenge/"
    script_prefix("/shop/")
    assert redirects.app_url("challenge") == "/shop/mfa/challenge/"
    script_prefix("/")
    assert redirects.app_url("challenge") == "/mfa/challenge/"


def test_the_urlconf_is_part_of_what_is_remembered():
    assert redirects.app_url("challenge") == "/mfa/challenge/"
    with override_settings(ROOT_URLCONF="tests.urls_elsewhere"):
        assert redirects.app_url("challenge") == "/elsewhere/mfa/challenge/"
    assert redirects.app_url("challenge") == "/mfa/challenge/"


def test_the_language_is_part_of_what_is_remembered():
    with override_settings(ROOT_URLCONF="tests.urls_i18n"), translation.override("en"):
        english = redirects.app_url("challenge")
    with override_settings(ROOT_URLCONF="tests.urls_i18n"), translation.override("es"):
        spanish = redirects.app_url("challenge")
    assert (english, spanish) == ("/en/mfa/challenge/", "/es/mfa/challenge/")


def test_a_code_page_looks_up_the_reverse_key_twice(pending):
    # The key (URLconf, script prefix, language) is three thread-and-task locals: once for the
    # gate's "is this a pending page" and once for the page's four endpoints, not once per URL.
    pending.get("/mfa/challenge/")
    with mock.patch.object(
        redirects, "_reverse_key", side_effect=redirects._reverse_key
    ) as looked_up:
        page = pending.get("/mfa/challenge/")
    assert page.status_code == 200
    assert looked_up.call_count == 2
