"""The emulator server: enabling, loopback only, URLs, starting and stopping, hung replies,
keep-alive connections, stats and reset."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time

import pytest
import requests
from authsignal.client import AuthsignalClient

from django_authsignal_sms.testing import ENABLE_ENV, EmulatorDisabled, EmulatorServer, Rules
from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import EMULATOR_TENANT_ID as TENANT
from tests.emulator_fixtures import challenged


def test_refuses_to_start_unless_enabled(monkeypatch):
    monkeypatch.delenv(ENABLE_ENV, raising=False)
    with pytest.raises(EmulatorDisabled, match=ENABLE_ENV):
        EmulatorServer(secret_key=SECRET, tenant_id=TENANT)
    monkeypatch.setenv(ENABLE_ENV, "1")
    EmulatorServer(secret_key=SECRET, tenant_id=TENANT).stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_non_loopback_hosts(host):
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer(host, secret_key=SECRET, tenant_id=TENANT, enabled=True)


def test_urls_and_context_manager():
    with EmulatorServer("localhost", secret_key=SECRET, tenant_id=TENANT, enabled=True) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert (
            AuthsignalClient(SECRET, api_url=server.base_url).get_user("x")["is_enrolled"] is False
        )
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/_emulator/stats", timeout=2)


def test_ipv6_loopback():
    with EmulatorServer("::1", secret_key=SECRET, tenant_id=TENANT, enabled=True) as server:
        assert server.base_url == f"http://[::1]:{server.port}/v1"
        assert requests.get(f"{server.url}/_emulator/stats", timeout=2).status_code == 200


def test_server_lifecycle_edges():
    with pytest.raises(ValueError, match="non-empty"):
        EmulatorServer(secret_key="", tenant_id=TENANT, enabled=True)
    rules = Rules(fallback_state="ALLOW")
    server = EmulatorServer(secret_key=SECRET, tenant_id=TENANT, rules=rules, enabled=True)
    assert server.start() is server.start()
    assert server.rules is rules
    with pytest.raises(ValueError, match="forward"):
        server.advance_clock(-1)
    server.stop()
    server.stop()


def test_head_requests_get_no_body(emulator):
    reply = requests.head(f"{emulator.base_url}/validate", timeout=5)
    assert reply.status_code == 501 and reply.content == b""


def _wait_until(condition):
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("ending", ["close", "reset", "stop"])
def test_a_hung_reply_ends_with_the_client_or_the_server(ending):
    server = EmulatorServer(secret_key=SECRET, tenant_id=TENANT, enabled=True).start()
    server.set_fault("timeout", routes=["get_user"])
    client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    client.sendall(b"GET /v1/users/u1 HTTP/1.1\r\nHost: emulator\r\n\r\n")
    _wait_until(lambda: server.stats()["requests"]["get_user"] == 1)
    if ending == "close":
        client.sendall(b"more bytes are read and ignored")
        client.close()
    elif ending == "reset":
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    else:
        server._listener.httpd.stopping.set()  # what stop() does first
    _wait_until(lambda: not server._listener.httpd._open)
    if ending == "stop":
        assert client.recv(100) == b""
        client.close()
    server.stop()


def test_connection_errors_are_logged_quietly(emulator, capsys):
    try:
        raise BrokenPipeError
    except BrokenPipeError:
        emulator._listener.httpd.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


def test_sdk_reuses_one_keep_alive_connection(emulator, sdk):
    for index in range(20):
        sdk.get_user(f"user-{index}")
    stats = emulator.stats()
    assert stats["connections"] == 1 and stats["api_connections"] == 1
    assert stats["requests"]["get_user"] == 20
    over_http = requests.get(f"{emulator.url}/_emulator/stats", timeout=5).json()
    assert over_http["connections"] == 2 and over_http["api_connections"] == 1


def test_reset_over_http_wipes_everything(emulator, sdk):
    challenged(sdk, emulator)
    emulator.set_fault("status:500", routes=["validate"])
    emulator.advance_clock(30)
    assert requests.post(f"{emulator.url}/_emulator/reset", timeout=5).json() == {"reset": True}
    assert emulator.outbox() == [] and sdk.get_authenticators("u1") == []
    assert requests.get(f"{emulator.url}/_emulator/faults", timeout=5).json() == {"fault": None}
    assert requests.get(f"{emulator.url}/_emulator/clock", timeout=5).json()["offset"] == 0
    assert emulator.stats()["requests"]["track"] == 0


STDLIB_ONLY = """
import sys
import django_authsignal_sms.testing, django_authsignal_sms.testing.__main__
outside = [
    name for name in sys.modules
    if name.partition(".")[0] in ("django", "pytest", "requests", "authsignal")
    or name.startswith("django_authsignal_sms.") and ".testing" not in name
]
assert not outside, outside
"""


def test_the_emulator_is_stdlib_only():
    """Neither Django nor the app's runtime modules: only the plugin and the mixin import them."""
    subprocess.run([sys.executable, "-c", STDLIB_ONLY], check=True, timeout=60)


def test_a_stopped_emulator_can_start_again_on_its_port_at_once():
    """After the server closed a kept-alive connection first, its port is in TIME_WAIT: a new
    emulator binds it all the same (SO_REUSEADDR), as scripts/demo's restart assumes."""
    first = EmulatorServer(secret_key=SECRET, tenant_id="t", enabled=True).start()
    port = first.port
    with requests.Session() as http:
        http.get(f"{first.url}/_emulator/variants", timeout=5)
        first.stop()  # the server closes the kept-alive connection before the client does
    second = EmulatorServer(port=port, secret_key=SECRET, tenant_id="t", enabled=True).start()
    try:
        assert requests.get(f"{second.url}/_emulator/variants", timeout=5).ok
    finally:
        second.stop()
