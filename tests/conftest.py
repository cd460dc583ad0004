from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
import responses
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import caches
from django.dispatch import Signal

from django_authsignal_sms import signals
from django_authsignal_sms.client import _sdk_client
from django_authsignal_sms.record import RECORD_KEY

pytest_plugins = ["tests.emulator_fixtures", "tests.browser_fixtures"]

API = "https://authsignal.test/v1"
PASSWORD = "correct horse battery staple"
SIGNED_IN_AS_ALICE = b'id="signed-in-as">alice<'


@dataclass
class FakeAuthsignal:
    """Authsignal's server API, faked at the HTTP level with ``responses``."""

    mock: responses.RequestsMock
    idempotency_key: str = "idem-1"
    token: str = "track-token-1"
    validation: dict = field(default_factory=dict)

    def on_track(self, state: str, user_id: str | None = None, **extra) -> None:
        body = {
            "state": state,
            "idempotencyKey": self.idempotency_key,
            "token": self.token,
            "url": "https://authsignal.test/challenge",
            "isEnrolled": True,
            "enrolledVerificationMethods": ["SMS"],
            "allowedVerificationMethods": ["SMS"],
            **extra,
        }
        url = f"{API}/users/{user_id}/actions/signIn" if user_id else None
        self.mock.upsert(
            responses.POST,
            url or re.compile(rf"{API}/users/[^/]+/actions/signIn"),
            json=body,
        )

    def on_validate(self, user_id: str, **overrides) -> None:
        body = {
            "isValid": True,
            "state": "CHALLENGE_SUCCEEDED",
            "userId": user_id,
            "action": "signIn",
            "idempotencyKey": self.idempotency_key,
            "verificationMethod": "SMS",
            **overrides,
        }
        self.mock.upsert(responses.POST, f"{API}/validate", json=body)

    def calls_to(self, suffix: str) -> list:
        return [call for call in self.mock.calls if call.request.url.endswith(suffix)]

    def track_bodies(self) -> list[dict]:
        return [
            json.loads(call.request.body)
            for call in self.mock.calls
            if "/actions/" in call.request.url
        ]


@pytest.fixture(autouse=True)
def fresh_sdk_client():
    _sdk_client.cache_clear()
    yield
    _sdk_client.cache_clear()


@pytest.fixture
def heard():
    """Every app signal sent during the test: ``heard[name]`` is a list of (sender, kwargs)."""
    calls: dict[str, list] = defaultdict(list)
    connected = []
    for name, signal in vars(signals).items():
        if not isinstance(signal, Signal):
            continue

        def receiver(sender, _name=name, **kwargs):
            kwargs.pop("signal")
            calls[_name].append((sender, kwargs))

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
    yield calls
    for signal, receiver in connected:
        signal.disconnect(receiver)


@pytest.fixture
def sent(heard):
    """The same, kwargs only: ``sent["challenge_failed"]`` is a list of kwargs."""

    class KwargsOnly(dict):
        def __missing__(self, name):
            return [kwargs for _sender, kwargs in heard[name]]

        def clear(self):  # forget what was heard so far
            heard.clear()

    return KwargsOnly()


@pytest.fixture(autouse=True)
def no_authsignal_environment(monkeypatch):
    """The app reads these from the environment when settings lack them: a developer's exported
    values must not change what a test sees."""
    for name in ("AUTHSIGNAL_API_URL", "AUTHSIGNAL_TENANT_ID", "AUTHSIGNAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def fresh_caches():
    """Claims, budgets and number checks live in the cache: none leaks between tests."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def authsignal():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeAuthsignal(mock)


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(
        "alice", "alice@example.com", PASSWORD, phone_number="+15005550006"
    )


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser(
        "root", "root@example.com", PASSWORD, phone_number="+15005550007"
    )


def log_in(client, username="alice", password=PASSWORD, path="/accounts/login/", next_url=""):
    """POST a login form the way a browser would; returns the response."""
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(path, data)


def pending_mark(client):
    return client.session.get(RECORD_KEY)


def start_pending(
    client, authsignal, username="alice", *, idem="idem-1", token="track-token-1", **login
):
    """Password accepted, Authsignal says CHALLENGE_REQUIRED: the session now waits for a code.

    ``idem`` and ``token`` are the track's idempotency key and token; ``login`` goes to
    ``log_in`` (``next_url``, ``path``)."""
    authsignal.idempotency_key = idem
    authsignal.token = token
    authsignal.on_track("CHALLENGE_REQUIRED")
    response = log_in(client, username, **login)
    assert response.status_code == 302, response
    assert response["Location"].startswith("/mfa/challenge/"), response["Location"]
    assert pending_mark(client)["idempotency_key"] == idem
    return response


def refusal_page(client, response):
    """A login refused at the password: sent to the refusal page, not logged in before or after
    it; returns that page (a 403)."""
    assert response["Location"] == "/mfa/denied/"
    assert SESSION_KEY not in client.session
    page = client.get("/mfa/denied/")
    assert page.status_code == 403
    assert SESSION_KEY not in client.session
    return page


@pytest.fixture
def pending(client, user, authsignal):
    """alice's session: password accepted, waiting for her code; ``next`` is /protected/."""
    start_pending(client, authsignal, next_url="/protected/")
    return client


@pytest.fixture
def pending_staff(client, staff, authsignal):
    """The same for root, a superuser (what a pending session must not reach: the admin)."""
    start_pending(client, authsignal, "root", next_url="/protected/")
    return client
