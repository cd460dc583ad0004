"""METHODS is checked: its shape (E005, in test_checks_robustness) and its agreement with
WHATSAPP (E017)."""

from __future__ import annotations

import pytest

from tests.test_checks import reported


@pytest.mark.parametrize(
    "options",
    [
        {"METHODS": ["SMS", "EMAIL_OTP", "PASSKEY"]},
        {"METHODS": ("WHATSAPP",)},
        {"METHODS": None, "WHATSAPP": True},
        {"METHODS": ["SMS", "WHATSAPP"], "WHATSAPP": True},
        {"METHODS": ["SMS", "WHATSAPP"], "WHATSAPP": False},
    ],
)
def test_good_methods_are_not_reported(settings, options):
    settings.AUTHSIGNAL_SMS = options
    ids = reported()
    assert "authsignal_sms.E005" not in ids
    assert "authsignal_sms.E017" not in ids


def test_whatsapp_on_with_methods_leaving_it_out_is_e017(settings):
    settings.AUTHSIGNAL_SMS = {"METHODS": ["SMS"], "WHATSAPP": True}
    assert "authsignal_sms.E017" in reported()
