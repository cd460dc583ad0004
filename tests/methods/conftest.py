"""What the methods tests share: a site that enables methods, and a login Authsignal holds for a
code with the methods the user has and the action allows."""

from __future__ import annotations

import pytest

from tests.conftest import log_in

# The step-up tests' fixtures, for the step-up with each method (test_step_up.py).
from tests.stepup.conftest import alice, authority, rules  # noqa: F401

ALL = ["PASSKEY", "SMS", "WHATSAPP", "EMAIL_OTP"]


def enable(settings, *methods: str) -> None:
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "METHODS": list(methods)}


def hold(client, authsignal, enrolled, allowed=ALL, **extra):
    """alice's password accepted; Authsignal asks for a code; she has ``enrolled``."""
    authsignal.on_track(
        "CHALLENGE_REQUIRED",
        enrolledVerificationMethods=enrolled,
        allowedVerificationMethods=allowed,
        **extra,
    )
    return log_in(client, next_url="/protected/")


@pytest.fixture
def every_method(settings):
    enable(settings, *ALL)
