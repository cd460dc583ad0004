"""The toolkit's own tests: the emulator's contract, its variants, the admin guard, the CLI, the
pytest plugin and the TestCase mixin. The fixtures come from tests/emulator_fixtures.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def sdk(emulator_sdk):
    return emulator_sdk
