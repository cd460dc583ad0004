"""A local Authsignal emulator for development and tests (stdlib only, loopback only).

Both unmodified SDKs can be pointed at `EmulatorServer.base_url`; see docs/emulator.md.
"""

from __future__ import annotations

from .faults import MODES as FAULT_MODES
from .rules import Rules
from .server import ENABLE_ENV, EmulatorDisabled, EmulatorServer

__all__ = ["ENABLE_ENV", "FAULT_MODES", "EmulatorDisabled", "EmulatorServer", "Rules"]
