"""AuthsignalEmulatorMixin: one emulator per TestCase class, reset and pointed at for each test."""

from __future__ import annotations

import unittest

import pytest
import requests
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import SimpleTestCase, TestCase

from django_authsignal_sms import testing
from django_authsignal_sms.testing import AuthsignalEmulatorMixin, EmulatorServer
from tests.conftest import PASSWORD
from tests.emulator_fixtures import PHONE


def run(case):
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    assert result.testsRun and result.wasSuccessful(), result.errors + result.failures
    return result


def test_the_mixin_is_exported_lazily():
    assert testing.AuthsignalEmulatorMixin is AuthsignalEmulatorMixin
    assert "AuthsignalEmulatorMixin" in testing.__all__
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        testing.Nope  # noqa: B018


def test_one_server_per_class_reset_and_pointed_at_for_each_test():
    seen = []

    class Login(AuthsignalEmulatorMixin, SimpleTestCase):
        def setUp(self):
            super().setUp()
            self.emulator = self.authsignal_emulator

        def test_1_leaves_state_behind(self):
            server = self.authsignal_emulator
            seen.append(server)
            self.assertIsInstance(server, EmulatorServer)
            self.assertEqual(settings.AUTHSIGNAL_API_URL, server.base_url)
            self.assertEqual(settings.AUTHSIGNAL_SECRET_KEY, server.secret_key)
            self.assertEqual(settings.AUTHSIGNAL_TENANT_ID, server.tenant_id)
            server.enroll_sms("u1", PHONE)
            server.set_rules({"fallbackState": "BLOCK"})
            server.advance_clock(60)
            server.set_fault("timeout")

        def test_2_starts_clean(self):
            server = self.authsignal_emulator
            seen.append(server)
            self.assertIs(self.emulator, server)
            self.assertEqual(server.store.authenticators, {})
            self.assertEqual(server.rules.fallback_state, "CHALLENGE_REQUIRED")
            self.assertEqual(server.clock.offset, 0)
            self.assertIsNone(server.faults.current)
            with self.settings(AUTHSIGNAL_SMS={"TIMEOUT": 1}):
                self.assertEqual(settings.AUTHSIGNAL_API_URL, server.base_url)

    assert run(Login).testsRun == 2
    first, second = seen
    assert first is second
    assert first.faults.current is None
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first.url}/_emulator/stats", timeout=2)
    assert settings.AUTHSIGNAL_API_URL == "https://authsignal.test/v1"
    assert settings.AUTHSIGNAL_SMS == {"MAX_PENDING_PER_USER": 0, "MAX_PENDING_PER_IP": 0}


def test_each_class_gets_its_own_server():
    servers = []

    class One(AuthsignalEmulatorMixin, SimpleTestCase):
        def test_it(self):
            servers.append(self.authsignal_emulator)

    class Two(One):
        pass

    run(One)
    run(Two)
    assert servers[0] is not servers[1]


class LoginThroughTheApp(AuthsignalEmulatorMixin, TestCase):
    """The mixin on a database TestCase, as an integrator's `manage.py test` would use it."""

    def test_login_with_a_code(self):
        user = get_user_model().objects.create_user(
            "alice", "alice@example.com", PASSWORD, phone_number="+15005550006"
        )
        data = {"username": "alice", "password": PASSWORD}
        page = self.client.post("/accounts/login/", data, follow=True)
        self.assertTrue(page.redirect_chain[-1][0].startswith("/mfa/challenge/"))
        token = self.authsignal_emulator.pass_challenge(page.context["token"])
        response = self.client.post("/mfa/callback/", {"token": token}, follow=True)
        self.assertEqual(response.redirect_chain, [("/protected/", 302)])
        self.assertEqual(self.client.session[SESSION_KEY], str(user.pk))
