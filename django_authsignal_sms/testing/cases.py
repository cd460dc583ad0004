"""AuthsignalEmulatorMixin: the emulator for Django's TestCase, as the pytest plugin gives it."""

from __future__ import annotations

import unittest
from typing import TYPE_CHECKING, ClassVar

from django.test import override_settings

from . import EMULATOR_SECRET_KEY, EMULATOR_TENANT_ID
from .server import EmulatorServer

# For type checkers the mixin is a TestCase; at run time it adds to the class it is mixed into.
if TYPE_CHECKING:
    _Base = unittest.TestCase
else:
    _Base = object


class AuthsignalEmulatorMixin(_Base):
    """Put it first: ``class LoginTests(AuthsignalEmulatorMixin, TestCase)``.

    One emulator per class, started in setUpClass and stopped when the class is done. Each test
    gets it reset, as ``self.authsignal_emulator``, with the app pointed at it:
    AUTHSIGNAL_API_URL, AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_TENANT_ID are overridden until the
    test ends. A ``setUp`` of your own must call ``super().setUp()`` first.
    """

    authsignal_emulator: EmulatorServer
    _authsignal_emulator_server: ClassVar[EmulatorServer]

    @classmethod
    def setUpClass(cls) -> None:
        server = EmulatorServer(
            "127.0.0.1",
            0,
            secret_key=EMULATOR_SECRET_KEY,
            tenant_id=EMULATOR_TENANT_ID,
            enabled=True,
        ).start()
        cls._authsignal_emulator_server = server
        cls.addClassCleanup(server.stop)
        super().setUpClass()

    def setUp(self) -> None:
        server = self._authsignal_emulator_server
        server.reset()
        pointed_at = override_settings(**server.django_settings())
        pointed_at.enable()
        self.addCleanup(pointed_at.disable)
        # A fault left on (a "timeout" especially) must not reach the next test.
        self.addCleanup(server.clear_faults)
        self.authsignal_emulator = server
        super().setUp()
