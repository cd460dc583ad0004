"""The emulator's cost per call and the records it keeps do not grow with the logins it served.

Lookups go through indexes (authenticators by user, tokens by value, actions and challenges by
key, the outbox by recipient, user and challenge), so a login looks at the same number of records
after 5,000 logins as after 100; and what it no longer needs is dropped as the emulator clock
passes it (tokens and codes at expiry, actions an hour after their last use, messages an hour
after they were sent, empty rate-limit windows). Counted with ``Store.examined`` and
``Store.sizes()``, never timed. The logins go through the emulator's request handling
(``dispatch``: routes, auth, JSON), without sockets, so 5,000 of them take a few seconds.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from authsignal.client import ApiException

from django_authsignal_sms.testing import EmulatorServer
from django_authsignal_sms.testing.dispatch import dispatch
from django_authsignal_sms.testing.outbox import OUTBOX_RETENTION
from django_authsignal_sms.testing.store import ACTION_RETENTION, CODE_TTL, TOKEN_TTL
from tests.emulator_fixtures import PHONE, challenged, client_post, enroll

SECRET = "retention-secret"
POOL = 100  # users, each logging in once a round
ROUNDS = 50  # 5,000 logins
# Emulator time between a user's logins: past a token's and a code's life, within an action's
# retention and a message's (so the previous round's are still kept), under the send limit.
ROUND_SECONDS = 1900.0
BASIC = "Basic " + base64.b64encode(f"{SECRET}:".encode()).decode()


def call(server, method, target, body=None, *, bearer=None):
    headers = {"host": "127.0.0.1"}
    if target.startswith("/v1/") and not target.startswith("/v1/client/"):
        headers["authorization"] = BASIC
    if bearer is not None:
        headers["authorization"] = f"Bearer {bearer}"
    raw = b"" if body is None else json.dumps(body).encode()
    outcome = dispatch(server, method, target, headers, raw)
    assert outcome.status == 200, outcome.body
    return json.loads(outcome.body)


def phone(index):
    return f"+6421{index:07d}"


def login(server, index):
    """What a site and a browser make the emulator do for one MFA login."""
    user_id, number = f"user{index}", phone(index)
    body = {"phoneNumber": number, "deviceId": f"device{index}"}
    tracked = call(server, "POST", f"/v1/users/{user_id}/actions/signIn", body)
    assert tracked["state"] == "CHALLENGE_REQUIRED", tracked
    call(server, "POST", "/v1/client/challenge/sms", {}, bearer=tracked["token"])
    messages = call(server, "GET", f"/_emulator/outbox?to={quote(number)}")
    code = {"verificationCode": messages[-1]["code"]}
    verified = call(server, "POST", "/v1/client/verify/sms", code, bearer=tracked["token"])
    body = {"token": verified["accessToken"], "userId": user_id, "action": "signIn"}
    validated = call(server, "POST", "/v1/validate", body)
    assert validated["isValid"] is True, validated


@pytest.fixture
def server():
    emulator = EmulatorServer(secret_key=SECRET, tenant_id="retention", enabled=True)
    yield emulator
    emulator.stop()


def test_5000_logins_keep_lookups_constant_and_records_bounded(server):
    for index in range(POOL):
        server.enroll_sms(f"user{index}", phone(index))
    store = server.store
    examined_per_login, sizes = [], []
    for _ in range(ROUNDS):
        before = store.examined + store.outbox.examined
        for index in range(POOL):
            login(server, index)
        examined_per_login.append((store.examined + store.outbox.examined - before) / POOL)
        sizes.append(store.sizes())
        server.advance_clock(ROUND_SECONDS)
    assert ROUNDS * POOL == 5000

    # O(1): after the first round (whose outbox holds one message per number instead of two), a
    # login looks at exactly as many records after 5,000 logins as after 200.
    assert examined_per_login[0] < examined_per_login[1]
    assert set(examined_per_login[1:]) == {examined_per_login[1]}
    assert examined_per_login[1] <= 20  # about 16: a handful per call, whatever was served

    # Bounded: from the second round on, the store holds the same records whatever the number
    # of logins served: this round's and, within their retention, the previous round's.
    assert all(size == sizes[1] for size in sizes[1:]), sizes
    assert {kind: sizes[-1][kind] for kind in ("actions", "tokens", "challenges", "messages")} == {
        "actions": 2 * POOL,  # kept an hour: this round's and the previous round's
        "tokens": 2 * POOL,  # this round's track token and accessToken (10 minutes)
        "challenges": POOL,  # this round's codes (10 minutes)
        "messages": 2 * POOL,  # kept an hour
    }

    # Past every retention, only the tenant's users, their authenticators and their known
    # devices are left.
    server.advance_clock(max(ACTION_RETENTION, OUTBOX_RETENTION, TOKEN_TTL, CODE_TTL))
    assert store.sizes() == {
        "users": POOL,
        "authenticators": POOL,
        "devices": POOL,  # each user's one device
        "actions": 0,
        "tokens": 0,
        "challenges": 0,
        "messages": 0,
        "rate_limit_keys": 0,
        "index_entries": POOL,  # each user's authenticator
        "due_entries": 0,
    }


def test_lookups_are_keyed_by_what_is_looked_up(server):
    """A user's authenticators, a token, an action, a code and a number's messages are each
    found without looking at anybody else's."""
    for index in range(50):
        server.enroll_sms(f"user{index}", phone(index))
        login(server, index)
    store = server.store
    before = store.examined
    assert len(store.authenticators_of("user7")) == 1
    assert store.examined - before == 1
    before = store.outbox.examined
    [message] = store.messages(to=phone(7))
    assert store.messages(user_id="user7") == [message]
    assert store.outbox.for_challenge(message.challenge_id) is message
    assert store.outbox.examined - before == 3
    before = store.examined
    assert store.action(message.key) is not None
    assert store.latest_challenge(message.key, "SMS") is not None
    assert store.resolve_token("unknown") is None
    assert store.examined - before == 3


# What is dropped, and when (documented in docs/performance.md and the store's docstring)


def test_a_message_is_kept_an_hour_after_it_was_sent(emulator, sdk):
    challenged(sdk, emulator)
    [message] = emulator.outbox()
    emulator.advance_clock(OUTBOX_RETENTION - 1)
    assert emulator.outbox() == [message]
    assert emulator.outbox(to=PHONE) == [message]
    emulator.advance_clock(1)
    assert emulator.outbox() == []
    assert emulator.outbox(to=PHONE) == emulator.outbox(user_id="u1") == []
    with pytest.raises(LookupError):
        emulator.latest_code("u1")


def test_an_action_is_kept_an_hour_after_its_last_use(emulator, sdk):
    enroll(sdk)
    tracked = sdk.track("u1", "signIn")
    key = tracked["idempotency_key"]
    emulator.advance_clock(ACTION_RETENTION / 2)
    # Used again (a track with the same key gives a new token): kept an hour from now.
    again = sdk.track("u1", "signIn", {"idempotencyKey": key})
    assert again["idempotency_key"] == key
    emulator.advance_clock(ACTION_RETENTION - 1)
    assert sdk.get_action("u1", "signIn", key)["state"] == "CHALLENGE_REQUIRED"
    emulator.advance_clock(1)
    with pytest.raises(ApiException) as raised:
        sdk.get_action("u1", "signIn", key)
    assert raised.value.status_code == 404
    # Its tokens had expired long before: validate answers as for any expired token.
    with pytest.raises(ApiException) as raised:
        sdk.validate_challenge({"token": again["token"]})
    assert (raised.value.status_code, raised.value.error_code) == (401, "expired_token")


def test_expired_tokens_and_codes_are_dropped(emulator, sdk):
    tracked = challenged(sdk, emulator)
    store = emulator.store
    assert (len(store.tokens), len(store.challenges)) == (1, 1)
    emulator.advance_clock(max(TOKEN_TTL, CODE_TTL))
    assert client_post(emulator, tracked["token"], "challenge/sms").status_code == 401
    sizes = store.sizes()
    assert (sizes["tokens"], sizes["challenges"], sizes["actions"]) == (0, 0, 1)


def test_rate_limit_windows_are_forgotten_once_empty(emulator, sdk):
    tracked = challenged(sdk, emulator)
    assert emulator.store.sizes()["rate_limit_keys"] == 1
    emulator.advance_clock(600)
    assert client_post(emulator, tracked["token"], "challenge/sms").status_code == 401
    assert emulator.store.sizes()["rate_limit_keys"] == 0


def test_delete_user_drops_their_actions_tokens_and_codes_only(emulator, sdk):
    challenged(sdk, emulator, "u1")
    enroll(sdk, "u2", "+64219999999")
    other = sdk.track("u2", "signIn")
    sdk.delete_user("u1")
    store = emulator.store
    assert {key.user_id for key in store.actions} == {"u2"}
    assert {token.key.user_id for token in store.tokens.values()} == {"u2"}
    assert store.challenges == {}
    assert [a.user_id for a in store.authenticators.values()] == ["u2"]
    assert sdk.validate_challenge({"token": other["token"]})["state"] == "CHALLENGE_REQUIRED"
    assert len(emulator.outbox(user_id="u1")) == 1  # the outbox keeps what was sent
