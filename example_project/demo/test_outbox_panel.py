"""The development-only outbox panel on the code page, against the Authsignal emulator:
`manage.py test demo`. Every code the emulator sent in the last hour, newest first, with its time
on the emulator's clock, for one user (by default the one whose code page it is on) or everyone.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise

import requests
from authsignal.client import AuthsignalClient
from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings

from django_authsignal_sms.testing import EMULATOR_SECRET_KEY, AuthsignalEmulatorMixin

PASSWORD = "a password long enough"


@override_settings(DEBUG=True)
class OutboxPanelTests(AuthsignalEmulatorMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=self.authsignal_emulator.base_url)
        self.alice = self.enrolled_user("alice", "+15005550006")
        self.bob = self.enrolled_user("bob", "+15005550007")

    def enrolled_user(self, username, phone):
        user = get_user_model().objects.create_user(username, password=PASSWORD, phone_number=phone)
        self.authsignal_emulator.enroll_sms(str(user.pk), phone)
        return user

    def send_code(self, user):
        """What the code page's browser SDK does: a code by SMS for a fresh action (``user``: a
        user here, or an id at Authsignal)."""
        user_id = user if isinstance(user, str) else str(user.pk)
        token = self.sdk.track(user_id, "signIn")["token"]
        reply = requests.post(
            f"{self.authsignal_emulator.base_url}/client/challenge/sms",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        self.assertEqual(reply.status_code, 200, reply.text)
        return self.authsignal_emulator.latest_code(user_id)

    def panel(self, **query):
        response = self.client.get("/dev/outbox/", query)
        self.assertEqual(response.status_code, 200)
        return response

    def shown_codes(self, response):
        return re.findall(r'<code class="code">(\d{6})</code>', response.content.decode())

    def test_every_code_is_listed_newest_first_with_its_time_on_the_emulator_clock(self):
        sent = []
        for user in [self.alice, self.bob] * 3 + [self.alice]:
            sent.append(self.send_code(user))
            self.authsignal_emulator.advance_clock(90)
        response = self.panel(user="all")

        self.assertEqual(self.shown_codes(response), sent[::-1])  # all seven: none clipped
        times = re.findall(r'<time datetime="([^"]+)">', response.content.decode())
        moments = [datetime.fromisoformat(moment) for moment in times]
        gaps = {round((newer - older).total_seconds()) for newer, older in pairwise(moments)}
        self.assertEqual(gaps, {90})
        newest = self.authsignal_emulator.outbox()[-1]
        self.assertEqual(moments[0], datetime.fromisoformat(newest["sentAt"]))
        self.assertContains(response, f"{moments[0]:%H:%M:%S}</time>")
        self.assertContains(response, "SMS to +15005550007")
        self.assertContains(response, '<span class="outbox-who">bob, signIn</span>', html=False)
        self.assertContains(response, "7 codes for all users, newest first.")

    def test_it_shows_the_pending_login_users_codes_first_with_everyone_a_choice_away(self):
        self.client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
        mine, theirs = self.send_code(self.alice), self.send_code(self.bob)
        response = self.panel()

        self.assertEqual(self.shown_codes(response), [mine])
        self.assertEqual(response.context["panel"].selected, str(self.alice.pk))
        self.assertContains(response, '<label for="outbox-user">Codes for</label>')
        self.assertInHTML('<option value="all">all users</option>', response.content.decode())
        self.assertInHTML(
            f'<option value="{self.alice.pk}" selected>alice</option>', response.content.decode()
        )
        self.assertEqual(self.shown_codes(self.panel(user="all")), [theirs, mine])
        self.assertEqual(self.shown_codes(self.panel(user=str(self.bob.pk))), [theirs])

    def test_a_signed_in_user_sees_their_own_codes_first(self):
        self.authsignal_emulator.set_rules({"users": {"bob": "ALLOW"}})
        self.client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
        self.assertEqual(self.client.get("/protected/").context["user"], self.bob)
        mine = self.send_code(self.bob)
        self.send_code(self.alice)
        self.assertEqual(self.shown_codes(self.panel()), [mine])

    def test_without_anyone_signed_in_it_shows_everyones(self):
        codes = [self.send_code(self.alice), self.send_code(self.bob)]
        self.assertEqual(self.shown_codes(self.panel()), codes[::-1])

    def test_a_user_with_no_code_is_answered_clearly(self):
        self.send_code(self.alice)
        for unknown in ["nobody", "999999", "x" * 200]:
            response = self.panel(user=unknown)
            self.assertContains(response, "in the last hour: showing everyone&#x27;s.")
            self.assertEqual(len(self.shown_codes(response)), 1)

    def test_codes_for_users_unknown_here_are_listed_by_their_id(self):
        for user_id in ["u1", "9" * 30]:
            self.authsignal_emulator.enroll_sms(user_id, "+15005550008")
            self.send_code(user_id)
        response = self.panel(user="all")
        self.assertEqual(len(self.shown_codes(response)), 2)
        self.assertContains(response, '<span class="outbox-who">user u1, signIn</span>')
        self.assertInHTML(
            f'<option value="{"9" * 30}">user {"9" * 30}</option>', response.content.decode()
        )
        self.assertEqual(len(self.shown_codes(self.panel(user="u1"))), 1)

    def test_the_pending_user_before_any_code_gets_an_empty_panel_that_says_so(self):
        self.client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
        self.send_code(self.alice)
        response = self.panel()
        self.assertEqual(self.shown_codes(response), [])
        self.assertContains(response, "No code for bob yet.")

    def test_it_refreshes_itself_with_a_script_not_a_meta_refresh(self):
        response = self.panel()
        self.assertNotContains(response, 'http-equiv="refresh"')
        self.assertContains(response, '<script src="/static/demo/outbox.js" defer></script>')
        self.assertContains(response, 'role="status"')

    def test_an_emulator_that_does_not_answer_is_said_plainly(self):
        with override_settings(AUTHSIGNAL_API_URL="http://127.0.0.1:9/v1"):
            response = self.panel()
        self.assertContains(response, "The emulator at http://127.0.0.1:9/_emulator/outbox")
        self.assertContains(response, "does not answer: is it running?")

    def test_it_is_there_only_in_development_against_the_local_emulator(self):
        with override_settings(DEBUG=False):
            self.assertEqual(self.client.get("/dev/outbox/").status_code, 404)
        with override_settings(AUTHSIGNAL_API_URL="https://api.authsignal.com/v1"):
            self.assertEqual(self.client.get("/dev/outbox/").status_code, 404)
