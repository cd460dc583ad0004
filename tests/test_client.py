"""client.py: the SDK's pitfalls become the app's own errors, with the timeout enforced."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests
from django.test import override_settings

from django_authsignal_sms import client
from django_authsignal_sms.exceptions import (
    AuthsignalApiError,
    AuthsignalError,
    AuthsignalMalformedResponse,
    AuthsignalTimeout,
    AuthsignalUnavailable,
)
from tests.conftest import API

TRACK = f"{API}/users/42/actions/signIn"


def test_track_returns_a_typed_result(authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED", user_id="42", isEnrolled=False)
    result = client.track_sign_in("42", {"phoneNumber": "+15005550006"})
    assert result == client.TrackResult(
        state="CHALLENGE_REQUIRED",
        idempotency_key="idem-1",
        token="track-token-1",
        is_enrolled=False,
        enrolled_methods=("SMS",),
        allowed_methods=("SMS",),
    )


def test_none_values_are_never_sent(authsignal):
    authsignal.on_track("ALLOW", user_id="42")
    client.track_sign_in("42", {"phoneNumber": None, "username": "alice", "email": None})
    body = authsignal.mock.calls[0].request.body
    assert json.loads(body) == {"username": "alice"}
    assert authsignal.mock.calls[0].request.headers["Content-Length"] == str(len(body))


def test_a_user_id_with_a_slash_is_refused_before_any_call(authsignal):
    with pytest.raises(AuthsignalError):
        client.track_sign_in("a/b", {})
    assert len(authsignal.mock.calls) == 0


@pytest.mark.parametrize(
    ("reply", "error", "status", "code"),
    [
        (
            {
                "status": 401,
                "json": {
                    "error": "unauthorized",
                    "errorCode": "unauthorized",
                    "errorDescription": "The request is unauthorized.",
                },
            },
            AuthsignalApiError,
            401,
            "unauthorized",
        ),
        (
            {
                "status": 429,
                "json": {
                    "error": "too_many_requests",
                    "errorCode": "too_many_requests",
                    "errorDescription": "slow down",
                },
            },
            AuthsignalApiError,
            429,
            "too_many_requests",
        ),
        ({"status": 500, "body": "oops"}, AuthsignalApiError, 500, None),
        ({"status": 503, "json": {}}, AuthsignalApiError, 503, None),
        (
            {"status": 200, "body": "<html>hi</html>", "content_type": "text/html"},
            AuthsignalMalformedResponse,
            None,
            None,
        ),
        (
            {
                "status": 200,
                "body": '{"state": "ALLOW"}',
                "content_type": "application/json; charset=utf-8",
            },
            AuthsignalMalformedResponse,
            None,
            None,
        ),
        (
            {"status": 200, "body": "{not json", "content_type": "application/json"},
            AuthsignalMalformedResponse,
            None,
            None,
        ),
        ({"status": 200, "json": {"idempotencyKey": "k"}}, AuthsignalMalformedResponse, None, None),
        ({"status": 200, "json": ["a", "list"]}, AuthsignalMalformedResponse, None, None),
        ({"body": requests.ConnectionError("refused")}, AuthsignalUnavailable, None, None),
        ({"body": requests.ReadTimeout("slow")}, AuthsignalTimeout, None, None),
    ],
)
def test_every_failure_becomes_an_app_error(authsignal, reply, error, status, code):
    authsignal.mock.upsert("POST", TRACK, **reply)
    with pytest.raises(error) as raised:
        client.track_sign_in("42", {})
    assert raised.value.status == status
    assert raised.value.code == code


def test_validate_requires_a_boolean_is_valid(authsignal):
    authsignal.mock.upsert("POST", f"{API}/validate", json={"state": "CHALLENGE_SUCCEEDED"})
    with pytest.raises(AuthsignalMalformedResponse):
        client.validate_challenge("t", "42", "signIn")


def test_one_sdk_client_per_process():
    assert client.get_sdk_client() is client.get_sdk_client()


def test_settings_change_gives_a_new_client(settings):
    first = client.get_sdk_client()
    settings.AUTHSIGNAL_SECRET_KEY = "another-key"
    assert client.get_sdk_client() is not first


@pytest.fixture
def silent_server():
    """A loopback socket that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1", accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_stalled_authsignal_times_out_after_the_configured_timeout(silent_server):
    url, accepted = silent_server
    outcome: list[BaseException] = []

    def call():
        try:
            client.track_sign_in("42", {})
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever happened
            outcome.append(exc)

    with override_settings(AUTHSIGNAL_API_URL=url, AUTHSIGNAL_SMS={"TIMEOUT": 0.3}):
        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(timeout=10)  # a bound for the test only: the SDK alone would hang forever
    assert not worker.is_alive(), "the call hung: the timeout was not applied"
    assert len(accepted) == 1
    assert isinstance(outcome[0], AuthsignalTimeout)
