"""Test against a local Authsignal: an emulator of its API, with a pytest plugin and a mixin
for Django's TestCase (see "Testing your own site" in the README, and docs/emulator.md).

The emulator is stdlib only and listens on loopback only. Both unmodified SDKs can be pointed at
`EmulatorServer.base_url`. `VARIANTS` maps each undocumented behaviour to its possible values,
the default first. `AuthsignalEmulatorMixin` (which needs Django) is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .admin import FAULT_MODES
from .server import ENABLE_ENV, ChallengeFailed, EmulatorDisabled, EmulatorServer
from .tenant import VARIANTS, VERIFICATION_METHODS, Rules

if TYPE_CHECKING:
    from .cases import AuthsignalEmulatorMixin

# What the pytest fixtures and the mixin start their emulator with.
EMULATOR_SECRET_KEY = "test-secret-key"
EMULATOR_TENANT_ID = "test-tenant"

__all__ = [
    "EMULATOR_SECRET_KEY",
    "EMULATOR_TENANT_ID",
    "ENABLE_ENV",
    "FAULT_MODES",
    "VARIANTS",
    "VERIFICATION_METHODS",
    "AuthsignalEmulatorMixin",
    "ChallengeFailed",
    "EmulatorDisabled",
    "EmulatorServer",
    "Rules",
]


def __getattr__(name: str) -> Any:
    if name == "AuthsignalEmulatorMixin":
        from .cases import AuthsignalEmulatorMixin

        return AuthsignalEmulatorMixin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
