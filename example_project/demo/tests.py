"""Signing in through the SMS step, against the Authsignal emulator: `manage.py test demo`.

The first test is the README's example ("Testing your own site"). The mixin starts an emulator
for the class and points AUTHSIGNAL_API_URL, AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_TENANT_ID at
it for each test; the rest of the settings are example_project/settings.py's.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import TestCase

from django_authsignal_sms.testing import AuthsignalEmulatorMixin

PASSWORD = "a password long enough"


class LoginTests(AuthsignalEmulatorMixin, TestCase):
    def test_login_with_a_code(self):
        get_user_model().objects.create_user(
            "alice", password=PASSWORD, phone_number="+15005550006"
        )
        data = {"username": "alice", "password": PASSWORD}
        page = self.client.post("/accounts/login/", data, follow=True)
        self.assertTemplateUsed(page, "django_authsignal_sms/challenge.html")

        token = self.authsignal_emulator.pass_challenge(page.context["token"])
        response = self.client.post("/mfa/callback/", {"token": token}, follow=True)

        self.assertRedirects(response, "/protected/")
        self.assertEqual(response.context["user"].username, "alice")

    def test_a_returning_user_the_rules_allow_needs_no_code(self):
        user = get_user_model().objects.create_user(
            "alice", password=PASSWORD, phone_number="+15005550006"
        )
        self.authsignal_emulator.enroll_sms(str(user.pk), user.phone_number)
        self.authsignal_emulator.set_rules({"users": {"alice": "ALLOW"}})
        data = {"username": "alice", "password": PASSWORD}
        response = self.client.post("/accounts/login/", data, follow=True)

        self.assertRedirects(response, "/protected/")
        self.assertEqual(response.context["user"].username, "alice")
        self.assertEqual(self.authsignal_emulator.outbox(), [])
