"""The /_emulator/ pages answer only this machine: a loopback Host, and no foreign Origin.

A DNS-rebinding page reaches the emulator under its own name (Host), and any web page can send
blind cross-site POSTs (Origin); either would read every code or reprogram the emulator. Raw
HTTP (http.client) sets the headers a browser would send. The /v1 routes are left open.
"""

from __future__ import annotations

import base64
import http.client
import json

import pytest

from tests.emulator_fixtures import EMULATOR_SECRET_KEY, PHONE, challenged

FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:8765",
    "127.0.0.1.nip.io",
    "localhost.evil.example",
    "localhost.",
    "127.1",
    "0.0.0.0",
    "10.0.0.1",
    "[::ffff:8.8.8.8]",
    "[2001:db8::1]:8765",
    "",
    "127.0.0.1 evil",
    "user@127.0.0.1",
]
LOOPBACK_HOSTS = [
    "127.0.0.1",
    "127.0.0.1:{port}",
    "127.9.9.9:1",
    "localhost",
    "LocalHost:{port}",
    "[::1]",
    "[::1]:{port}",
]
FOREIGN_ORIGINS = [
    "https://evil.example",
    "http://evil.example:8765",
    "http://127.0.0.1.nip.io",
    "http://localhost.evil.example",
    "null",
    "file://",
    "http://10.0.0.1:8000",
]
LOOPBACK_ORIGINS = ["http://127.0.0.1:{port}", "http://localhost:8000", "https://[::1]:3000"]


def raw(emulator, method, path, *, host=None, origin=None, body=None):
    """One request; `host=None` sends none at all. Returns (status, parsed JSON body)."""
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=5)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            connection.putheader("Host", host.format(port=emulator.port))
        if origin is not None:
            connection.putheader("Origin", origin.format(port=emulator.port))
        data = b"" if body is None else json.dumps(body).encode()
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read() or b"null")
    finally:
        connection.close()


def assert_forbidden(status, body):
    assert status == 403, body
    assert body["error"] == body["errorCode"] == "forbidden"
    assert body["errorDescription"]


@pytest.fixture
def code_sent(emulator, emulator_sdk):
    challenged(emulator_sdk, emulator)
    return emulator.latest_code()


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_a_foreign_host_cannot_read_the_outbox(emulator, code_sent, host):
    status, body = raw(emulator, "GET", "/_emulator/outbox", host=host)
    assert_forbidden(status, body)
    assert code_sent not in json.dumps(body)


def test_a_request_without_host_is_refused(emulator, code_sent):
    status, body = raw(emulator, "GET", "/_emulator/outbox")
    assert_forbidden(status, body)
    assert code_sent not in json.dumps(body)


def test_an_absolute_target_for_another_host_is_refused(emulator, code_sent):
    status, body = raw(
        emulator, "GET", "http://evil.example/_emulator/outbox", host="127.0.0.1:{port}"
    )
    assert_forbidden(status, body)


@pytest.mark.parametrize("host", FOREIGN_HOSTS[:4])
def test_a_foreign_host_cannot_change_anything(emulator, host):
    for method, path, body in [
        ("POST", "/_emulator/clock", {"advance": 3600}),
        ("PUT", "/_emulator/rules", {"fallbackState": "ALLOW"}),
        ("PUT", "/_emulator/variants", {"bad_token": "not_valid"}),
        ("POST", "/_emulator/faults", {"mode": "status:500"}),
    ]:
        assert_forbidden(*raw(emulator, method, path, host=host, body=body))
    assert emulator.clock.offset == 0
    assert emulator.rules.to_mapping().get("fallbackState", "CHALLENGE_REQUIRED") != "ALLOW"
    assert emulator.variants["bad_token"] == "expired_token"
    assert emulator.faults.current is None


def test_a_foreign_host_cannot_reset(emulator, code_sent):
    assert_forbidden(*raw(emulator, "POST", "/_emulator/reset", host="evil.example"))
    assert emulator.outbox()


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_foreign_origin_is_refused(emulator, code_sent, origin):
    status, body = raw(emulator, "GET", "/_emulator/outbox", host="127.0.0.1:{port}", origin=origin)
    assert_forbidden(status, body)
    assert code_sent not in json.dumps(body)
    status, body = raw(
        emulator,
        "POST",
        "/_emulator/clock",
        host="127.0.0.1:{port}",
        origin=origin,
        body={"advance": 60},
    )
    assert_forbidden(status, body)
    assert emulator.clock.offset == 0


@pytest.mark.parametrize("path", ["/_emulator/nope", "/_emulator", "/_emulator/outbox/"])
def test_every_emulator_path_is_guarded(emulator, path):
    assert_forbidden(*raw(emulator, "GET", path, host="evil.example"))
    assert_forbidden(*raw(emulator, "OPTIONS", path, origin="https://evil.example"))


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_loopback_hosts_are_served(emulator, code_sent, host):
    status, body = raw(emulator, "GET", "/_emulator/outbox", host=host)
    assert status == 200, body
    assert [message["code"] for message in body] == [code_sent]


@pytest.mark.parametrize("origin", LOOPBACK_ORIGINS)
def test_loopback_origins_are_served(emulator, origin):
    status, body = raw(
        emulator,
        "POST",
        "/_emulator/clock",
        host="127.0.0.1:{port}",
        origin=origin,
        body={"advance": 60},
    )
    assert status == 200, body
    assert body["offset"] == 60


def test_the_api_routes_are_not_guarded(emulator, emulator_sdk):
    """The browser SDK calls /v1/client/* cross-origin; the server SDK may use any host name."""
    tracked = challenged(emulator_sdk, emulator, user_id="u2")
    basic = base64.b64encode(f"{EMULATOR_SECRET_KEY}:".encode()).decode()
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=5)
    try:
        connection.request(
            "POST",
            "/v1/client/challenge/sms",
            headers={
                "Host": "emulator.example",
                "Origin": "https://shop.example",
                "Authorization": f"Bearer {tracked['token']}",
                "Content-Type": "application/json",
            },
        )
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 200
        assert reply.getheader("Access-Control-Allow-Origin") == "https://shop.example"
        connection.request(
            "GET",
            "/v1/users/u2",
            headers={"Host": "emulator.example", "Authorization": f"Basic {basic}"},
        )
        reply = connection.getresponse()
        assert reply.status == 200
        assert json.loads(reply.read())["isEnrolled"] is True
    finally:
        connection.close()
    assert [m["to"] for m in emulator.outbox(user_id="u2")] == [PHONE, PHONE]
