"""Signing in through the SMS step, and the "Transfer money" page's step-up, against the
Authsignal emulator: `manage.py test demo`.

The first test is the README's example ("Testing your own site"). The mixin starts an emulator
for the class and points AUTHSIGNAL_API_URL, AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_TENANT_ID at
it for each test; the rest of the settings are example_project/settings.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

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


DEMO_RULES = Path(__file__).resolve().parents[1] / "emulator-rules.json"


class TransferTests(AuthsignalEmulatorMixin, TestCase):
    """The "Transfer money" page under the demo's rules (example_project/emulator-rules.json)."""

    def setUp(self):
        super().setUp()
        user = get_user_model().objects.create_user(
            "alice", password=PASSWORD, phone_number="+15005550006"
        )
        self.authsignal_emulator.enroll_sms(str(user.pk), user.phone_number)
        # The demo's rules, and alice signs in without a code: the step-up is what is tested.
        rules = json.loads(DEMO_RULES.read_text())
        self.authsignal_emulator.set_rules({**rules, "users": {"alice": {"signIn": "ALLOW"}}})
        self.client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    def transfer(self, amount, payee, **extra):
        return self.client.post("/transfer/", {"amount": amount, "payee": payee}, **extra)

    def transfers(self):
        return self.client.session.get("demo_transfers", [])

    def test_a_small_transfer_goes_through(self):
        response = self.transfer(1000, "Acme", follow=True)
        self.assertContains(response, "Sent $1,000 to acme.")
        self.assertEqual(self.transfers(), [{"amount": 1000, "payee": "acme"}])

    def test_a_large_transfer_needs_a_code_for_that_amount_and_payee(self):
        self.assertRedirects(
            self.transfer(1250, "acme"), "/mfa/step-up/", fetch_redirect_response=False
        )
        page = self.client.get("/mfa/step-up/")
        self.assertContains(page, "Confirm it's you to transfer $1,250 to acme.")
        token = self.authsignal_emulator.pass_challenge(page.context["token"])
        self.client.post("/mfa/step-up/callback/", {"token": token})
        self.assertEqual(self.transfers(), [])
        form = self.client.get("/transfer/")
        self.assertContains(form, 'value="1250"')

        self.transfer(1250, "acme")
        self.assertEqual(self.transfers(), [{"amount": 1250, "payee": "acme"}])
        self.assertRedirects(
            self.transfer(1251, "acme"), "/mfa/step-up/", fetch_redirect_response=False
        )

    def test_a_blocked_payee_is_refused(self):
        response = self.transfer(5, "MALLORY")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.transfers(), [])

    def test_bad_input_is_shown_on_the_form_and_nothing_is_tracked(self):
        for amount, payee in [("lots", "acme"), (0, "acme"), (5, "   "), (10**7, "acme")]:
            response = self.transfer(amount, payee)
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, 'class="errorlist')
        self.assertEqual(self.transfers(), [])

    def test_the_json_endpoint_asks_for_a_code_with_what_the_browser_sdk_needs(self):
        body = {"amount": 5000, "payee": "acme"}
        response = self.client.post("/api/transfers/", body, content_type="application/json")
        self.assertEqual(response.status_code, 403)
        step_up = response.json()["stepUp"]
        self.assertEqual(response.json()["code"], "step_up_required")
        self.assertEqual(step_up["purpose"], "transfer $5,000 to acme")

        token = self.authsignal_emulator.pass_challenge(step_up["token"])
        confirmed = self.client.post(
            step_up["callbackUrl"], {"token": token}, content_type="application/json"
        )
        self.assertEqual(confirmed.json()["code"], "stepped_up")
        response = self.client.post("/api/transfers/", body, content_type="application/json")
        self.assertEqual(response.json(), {"code": "transferred", **body, "count": 1})

    def test_the_json_endpoint_answers_bad_input_and_other_methods_clearly(self):
        bad = self.client.post("/api/transfers/", "{", content_type="application/json")
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(bad.json()["code"], "invalid")
        self.assertEqual(self.client.get("/api/transfers/").status_code, 405)
        self.client.logout()
        body = {"amount": 5, "payee": "acme"}
        anonymous = self.client.post("/api/transfers/", body, content_type="application/json")
        self.assertEqual(anonymous.status_code, 401)
