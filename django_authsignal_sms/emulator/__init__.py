"""A local Authsignal emulator for development and tests (stdlib only, loopback only).

Both unmodified SDKs can be pointed at `EmulatorServer.base_url`; see docs/emulator.md.
`VARIANTS` maps each undocumented behaviour to its possible values, the default first.
"""

from __future__ import annotations

from .faults import MODES as FAULT_MODES
from .methods import VERIFICATION_METHODS
from .rules import Rules
from .server import ENABLE_ENV, EmulatorDisabled, EmulatorServer
from .variants import VARIANTS

__all__ = [
    "ENABLE_ENV",
    "FAULT_MODES",
    "VARIANTS",
    "VERIFICATION_METHODS",
    "EmulatorDisabled",
    "EmulatorServer",
    "Rules",
]
