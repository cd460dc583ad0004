"""The SDK's HTTP session reads proxy and CA settings once, when the client is built."""

from __future__ import annotations

import http.server
import threading

import pytest
import requests

from django_authsignal_sms import client


class RecordingProxy(http.server.BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy that answers every request itself and records it."""

    seen: list[str] = []

    def do_POST(self):
        self.seen.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b'{"state": "ALLOW", "idempotencyKey": "k", "token": "t", "isEnrolled": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    RecordingProxy.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_api(settings):
    # Plain http, so the proxy sees the request line (no CONNECT tunnel).
    settings.AUTHSIGNAL_API_URL = "http://authsignal.invalid/v1"


def test_a_proxy_in_the_environment_is_used(proxy, http_api, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = client.track_sign_in("42", {})
    assert result.state == "ALLOW"
    assert RecordingProxy.seen == ["http://authsignal.invalid/v1/users/42/actions/signIn"]


def test_the_environment_is_read_once_not_per_call(proxy, http_api, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy)
    client.get_sdk_client()  # built: the environment is read here

    def no_more(*args, **kwargs):
        raise AssertionError("the environment was read again during a call")

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", no_more)
    monkeypatch.setattr(requests.sessions, "get_netrc_auth", no_more)
    monkeypatch.setattr(requests.utils, "get_environ_proxies", no_more)
    for _ in range(3):
        assert client.track_sign_in("42", {}).state == "ALLOW"
    assert len(RecordingProxy.seen) == 3


def test_a_ca_bundle_in_the_environment_is_kept(monkeypatch, settings, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert client.get_sdk_client().session.verify == str(bundle)
    assert client.get_sdk_client().session.trust_env is False
