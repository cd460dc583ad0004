"""Pytest fixtures for the Authsignal emulator (load with pytest_plugins)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_authsignal_sms.emulator import EmulatorServer

EMULATOR_SECRET_KEY = "test-secret-key"
EMULATOR_TENANT_ID = "test-tenant"


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """One emulator for the whole session, on a free loopback port."""
    server = EmulatorServer(
        "127.0.0.1",
        0,
        secret_key=EMULATOR_SECRET_KEY,
        tenant_id=EMULATOR_TENANT_ID,
        enabled=True,
    )
    with server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session emulator with all state wiped (users, outbox, clock, faults, rules)."""
    emulator_server.reset()
    yield emulator_server
    # A fault left on (a "timeout" especially) must not leak into the next test.
    emulator_server.clear_faults()
