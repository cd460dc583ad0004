"""The pytest plugin, registered as `authsignal_sms` (entry point): an emulator for the session
and, per test, the same emulator reset with the app pointed at it.

The fixture names are prefixed so they cannot clash with a project's own fixtures. Importing
this module needs neither Django nor configured settings: only the fixtures do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from . import EMULATOR_SECRET_KEY, EMULATOR_TENANT_ID
from .server import EmulatorServer


@pytest.fixture(scope="session")
def authsignal_emulator_server() -> Iterator[EmulatorServer]:
    """One running emulator for the whole session, on 127.0.0.1 and a free port."""
    with EmulatorServer(
        "127.0.0.1",
        0,
        secret_key=EMULATOR_SECRET_KEY,
        tenant_id=EMULATOR_TENANT_ID,
        enabled=True,
    ) as server:
        yield server


@pytest.fixture
def authsignal_emulator(
    request: pytest.FixtureRequest, authsignal_emulator_server: EmulatorServer
) -> Iterator[EmulatorServer]:
    """The session's emulator, reset, with the app pointed at it for this test.

    AUTHSIGNAL_API_URL, AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_TENANT_ID are set to the emulator's
    and put back after the test. Faults left on are cleared after the test.
    """
    server = authsignal_emulator_server
    server.reset()
    with _pointed_at(request, server):
        yield server
    server.clear_faults()


@contextlib.contextmanager
def _pointed_at(request: pytest.FixtureRequest, server: EmulatorServer) -> Iterator[None]:
    values = server.django_settings()
    if request.config.pluginmanager.hasplugin("django"):
        # Through pytest-django's `settings`: the test's own changes go through it too, and it
        # undoes them all in reverse order (overrides undone out of order would leak).
        settings = request.getfixturevalue("settings")
        for name, value in values.items():
            setattr(settings, name, value)
        yield
        return
    from django.test import override_settings

    with override_settings(**values):
        yield
