"""What the step-up tests share: Authsignal's track for any action (its state set per action, or
decided from the custom data), a token-aware /validate, a signed-in client, and a helper that
completes the step-up a request asked for."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import responses

from django_authsignal_sms.stepup.state import PENDING_KEY
from tests.conftest import API
from tests.security.conftest import Authority
from tests.stepup import views

CALLBACK = "/mfa/step-up/callback/"
ACTION_URL = re.compile(rf"{re.escape(API)}/users/(?P<user>[^/]+)/actions/(?P<action>[^/]+)$")
OUTAGE = "OUTAGE"
JSON = {"HTTP_ACCEPT": "application/json"}

State = str | Callable[[dict], str]


@dataclass
class Rules:
    """Authsignal's track, per action: ``states[action]`` is a state (or ``OUTAGE``, a 503), or
    a function of the track body's ``custom`` data. Each track gets its own token and key."""

    states: dict[str, State] = field(default_factory=dict)
    tracked: list[dict] = field(default_factory=list)
    methods: list[str] = field(default_factory=lambda: ["SMS"])
    enrolled: list[str] = field(default_factory=lambda: ["SMS"])
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def answer(self, request):
        match = ACTION_URL.match(request.url)
        body = json.loads(request.body or b"{}")
        self.tracked.append({"user": match["user"], "action": match["action"], **body})
        state = self.states.get(match["action"], "ALLOW")
        if callable(state):
            state = state(body.get("custom") or {})
        if state == OUTAGE:
            return 503, {}, json.dumps({"error": "unavailable"})
        number = next(self.counter)
        reply = {
            "state": state,
            "idempotencyKey": f"idem-{number}",
            "token": f"track-token-{number}",
            "isEnrolled": True,
            "enrolledVerificationMethods": self.enrolled,
            "allowedVerificationMethods": self.methods,
        }
        return 200, {}, json.dumps(reply)


def over_1000(custom: dict) -> str:
    """A rule for transfers: a code above $1,000."""
    return "CHALLENGE_REQUIRED" if custom.get("amount", 0) > 1000 else "ALLOW"


@pytest.fixture
def rules(authsignal):
    fake = Rules()
    authsignal.mock.add_callback(
        responses.POST, ACTION_URL, callback=fake.answer, content_type="application/json"
    )
    return fake


@pytest.fixture
def authority(authsignal):
    fake = Authority(authsignal.mock)
    authsignal.mock.add_callback(
        responses.POST, f"{API}/validate", callback=fake.answer, content_type="application/json"
    )
    return fake


@pytest.fixture(autouse=True)
def nothing_done():
    views.DONE.clear()
    yield
    views.DONE.clear()


def sign_in(client, user, settings):
    """Signed in without a login track (the login flow has tests of its own)."""
    current = settings.AUTHSIGNAL_SMS
    settings.AUTHSIGNAL_SMS = {**current, "ENABLED": False}
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = current
    return client


@pytest.fixture
def alice(client, user, settings):
    """alice's signed-in browser."""
    return sign_in(client, user, settings)


def pending_of(client) -> dict | None:
    return client.session.get(PENDING_KEY)


def verified_token(client, authority, **overrides) -> str:
    """A token Authsignal validates for the session's pending step-up (as the SDK gets one)."""
    pending = pending_of(client)
    assert pending, "no pending step-up"
    token = f"verified-{pending['idempotency_key']}"
    action = overrides.pop("action", pending["action"])
    authority.verify(token, pending["user_id"], pending["idempotency_key"], action, **overrides)
    return token


def complete(client, authority, **overrides):
    """Verify the pending step-up's code and post the callback; returns the callback's answer."""
    return client.post(CALLBACK, {"token": verified_token(client, authority, **overrides)})
