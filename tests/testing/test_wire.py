"""How every route answers: Basic auth, JSON replies and error envelopes, errors the HTTP
server itself raises, a crashing route, CORS."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest
import requests
from authsignal.client import ApiException, AuthsignalClient

from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import JSON_HEADERS, assert_envelope, challenged, client_post

UNAUTHORIZED = (
    "The request is unauthorized. "
    "Check that your API key and region base URL are correctly configured."
)


def test_wrong_secret_is_unauthorized(emulator):
    with pytest.raises(ApiException) as raised:
        AuthsignalClient("wrong-secret", api_url=emulator.base_url).track("u1", "signIn")
    error = raised.value
    assert (error.status_code, error.error_code) == (401, "unauthorized")
    assert error.error_description == UNAUTHORIZED


@pytest.mark.parametrize(
    "authorization", [None, "Bearer x", "Basic !!!", "Basic dGVzdC1zZWNyZXQta2V5", "Basic /w=="]
)
def test_bad_basic_auth(emulator, authorization):
    headers = {**JSON_HEADERS, **({"Authorization": authorization} if authorization else {})}
    reply = requests.get(f"{emulator.base_url}/users/u1", headers=headers, timeout=5)
    assert_envelope(reply, 401, "unauthorized")
    assert reply.json()["errorDescription"] == UNAUTHORIZED


def test_every_reply_is_plain_json(emulator, sdk):
    tracked = challenged(sdk, emulator)
    base, auth = emulator.base_url, (SECRET, "")
    bearer = {"Authorization": f"Bearer {tracked['token']}", **JSON_HEADERS}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"{base}/users/u1", {"auth": auth, "headers": JSON_HEADERS}),
        ("DELETE", f"{base}/users/nobody", {"auth": auth, "headers": JSON_HEADERS, "data": "{}"}),
        ("POST", f"{base}/users/u1/actions/signIn", {"auth": auth, "data": ""}),
        ("POST", f"{base}/validate", {"auth": auth, "data": "{not json"}),
        ("POST", f"{base}/validate", {"auth": auth, "data": "[1]"}),
        ("POST", f"{base}/client/verify/sms", {"headers": bearer, "data": "{}"}),
        ("POST", f"{base}/client/challenge/sms", {"headers": {"Authorization": "Bearer nope"}}),
        ("POST", f"{base}/client/challenge/sms", {}),
        ("PUT", f"{base}/validate", {"auth": auth}),
        ("GET", f"{emulator.url}/_emulator/outbox", {}),
    ]
    for method, url, options in calls:
        reply = requests.request(method, url, timeout=5, **options)
        assert reply.headers["Content-Type"] == "application/json", (method, url)
        body = reply.json()
        if reply.ok:
            assert not (isinstance(body, dict) and "error" in body), (method, url)
        else:
            assert {"error", "errorCode", "errorDescription"} <= set(body), (method, url)
    statuses = [requests.request(m, u, timeout=5, **o).status_code for m, u, o in calls]
    assert statuses == [200, 200, 200, 400, 400, 400, 401, 401, 405, 200]
    # Unknown paths answer like the API gateway: JSON, but not the error envelope.
    nowhere = requests.get(f"{base}/nowhere", timeout=5)
    assert nowhere.headers["Content-Type"] == "application/json"
    assert (nowhere.status_code, nowhere.json()) == (
        403,
        {"message": "Missing Authentication Token"},
    )


def test_stdlib_errors_are_json_too(emulator):
    reply = requests.request("BREW", f"{emulator.base_url}/validate", timeout=5)
    assert_envelope(reply, 501, "not_implemented")
    for header, value, status, code in [
        ("Content-Length", "x", 400, "invalid_request"),
        ("Content-Length", str(2 * 1024 * 1024), 413, "request_entity_too_large"),
        ("Transfer-Encoding", "chunked", 411, "length_required"),
    ]:
        connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
        connection.putrequest("POST", "/v1/validate")
        connection.putheader(header, value)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == status
        assert response.getheader("Content-Type") == "application/json"
        assert json.loads(response.read())["errorCode"] == code
        connection.close()


def test_a_crashing_route_is_a_500_envelope(emulator, sdk, monkeypatch):
    def boom(user_id):
        raise RuntimeError("bug")

    monkeypatch.setattr(emulator.store, "user", boom)
    with pytest.raises(ApiException) as raised:
        sdk.track("u1", "signIn")
    assert (raised.value.status_code, raised.value.error_code) == (500, "internal_error")
    assert sdk.get_authenticators("u1") == []


def test_cors_preflight_and_reply_headers(emulator, sdk):
    origin = "http://127.0.0.1:9999"
    preflight = requests.options(
        f"{emulator.base_url}/client/verify/sms",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    no_origin = requests.options(f"{emulator.base_url}/client/challenge/sms", timeout=5)
    assert no_origin.headers["Access-Control-Allow-Origin"] == "*"
    assert_envelope(requests.options(f"{emulator.base_url}/validate", timeout=5), 404, "not_found")
    token = sdk.track("u1", "signIn")["token"]
    failed = client_post(emulator, token, "challenge/sms", Origin=origin)
    assert failed.headers["Access-Control-Allow-Origin"] == origin
    assert emulator.stats()["requests"]["preflight"] == 2
