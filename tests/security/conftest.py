"""What the security suites share: a recorder for the app's signals, a token-aware fake of
Authsignal's /validate, and helpers to check a refusal (``start_pending``, which starts a pending
login, is tests/conftest.py's)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import responses
from django.contrib.auth import SESSION_KEY
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.conftest import API, pending_mark


@dataclass
class Authority:
    """Authsignal's ``/validate`` as the real service behaves: the answer depends on the token.

    ``verified[token]`` is the reply for a token the browser SDK got back from a verified code;
    ``errors[token]`` is an HTTP error reply; any other token is answered ``isValid: false``.
    """

    mock: responses.RequestsMock
    verified: dict[str, dict] = field(default_factory=dict)
    errors: dict[str, tuple[int, dict]] = field(default_factory=dict)
    asked: list[dict] = field(default_factory=list)

    def verify(self, token, user_id, idempotency_key, action="signIn", **overrides):
        self.verified[token] = {
            "isValid": True,
            "state": "CHALLENGE_SUCCEEDED",
            "userId": str(user_id),
            "action": action,
            "idempotencyKey": idempotency_key,
            "verificationMethod": "SMS",
            **overrides,
        }
        return token

    def answer(self, request):
        body = json.loads(request.body)
        self.asked.append(body)
        token = body.get("token")
        if token in self.errors:
            status, reply = self.errors[token]
            return status, {}, json.dumps(reply)
        reply = self.verified.get(token, {"isValid": False})
        return 200, {}, json.dumps(reply)


@pytest.fixture
def authority(authsignal):
    fake = Authority(authsignal.mock)
    authsignal.mock.add_callback(
        responses.POST, f"{API}/validate", callback=fake.answer, content_type="application/json"
    )
    return fake


def assert_not_logged_in(client):
    assert SESSION_KEY not in client.session
    assert client.get("/protected/")["Location"].startswith(("/accounts/login/", "/mfa/"))


def assert_refused(response, client, sent, reason, status=403, user_id=None):
    """Not logged in, mark consumed, a page that says why, ``challenge_failed`` with the reason."""
    assert response.status_code == status, response.content[:300]
    page = response.content.decode()
    title = "No sign-in waiting" if reason in ("no_pending", "expired") else "not completed"
    if reason == "expired":
        title = "Code page expired"
    assert title in page, page
    assert "Back to sign in" in page and 'href="/' in page
    assert pending_mark(client) is None
    assert SESSION_KEY not in client.session
    assert client.get("/protected/")["Location"].startswith("/accounts/login/")
    failed = [(s["reason"], s["user_id"]) for s in sent["challenge_failed"]]
    assert [r for r, _ in failed] == [reason], failed
    if user_id is not None:
        assert failed[0][1] == user_id
    assert sent["challenge_succeeded"] == []


def examples(count):
    """Hypothesis settings for tests that take function-scoped fixtures.

    The fixtures these tests share across examples (the user row, the ``responses`` fake, the
    ``settings`` fixture) are safe to reuse: every example makes its own ``Client`` (its own
    session), so no example sees another's state. That is why the health check is suppressed.
    """
    return hypothesis_settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
