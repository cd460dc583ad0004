"""The methods a pending login offers: enrolled, allowed for the action, enabled by the site."""

from __future__ import annotations

import pytest

from django_authsignal_sms import methods
from django_authsignal_sms.client import TrackResult
from tests.conftest import pending_mark, refusal_page
from tests.methods.conftest import ALL, enable, hold

pytestmark = pytest.mark.django_db


def test_unset_the_site_enables_sms_and_whatsapp_with_its_setting(settings):
    assert methods.enabled() == ("SMS",)
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": True}
    assert methods.enabled() == ("SMS", "WHATSAPP")


def test_set_the_site_enables_what_it_lists_in_its_order(settings):
    enable(settings, "EMAIL_OTP", "SMS")
    assert methods.enabled() == ("EMAIL_OTP", "SMS")


def test_the_record_keeps_enrolled_and_allowed_and_enabled(client, user, authsignal, settings):
    enable(settings, "PASSKEY", "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["SMS", "EMAIL_OTP", "PASSKEY"], allowed=["SMS", "PASSKEY"])
    assert pending_mark(client)["methods"] == ["PASSKEY", "SMS"]


def test_a_method_the_site_did_not_enable_is_not_offered(client, user, authsignal):
    hold(client, authsignal, ["SMS", "EMAIL_OTP", "PASSKEY"])
    assert pending_mark(client)["methods"] == ["SMS"]


def test_whatsapp_goes_to_the_sms_authenticators_number(client, user, authsignal, settings):
    enable(settings, "SMS", "WHATSAPP")
    hold(client, authsignal, ["SMS"])
    assert pending_mark(client)["methods"] == ["SMS", "WHATSAPP"]


def test_a_user_with_only_email_otp_is_held_for_an_email_code(client, user, authsignal, settings):
    enable(settings, "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["EMAIL_OTP"])
    mark = pending_mark(client)
    assert (mark["methods"], mark["channel"]) == (["EMAIL_OTP"], "email")


def test_by_default_a_user_with_only_email_otp_is_refused_as_before(client, user, authsignal):
    response = hold(client, authsignal, ["EMAIL_OTP"])
    assert b"sms" in refusal_page(client, response).content.lower()


def test_a_user_with_only_a_passkey_is_held_for_it(client, user, authsignal, settings):
    enable(settings, *ALL)
    hold(client, authsignal, ["PASSKEY"])
    assert pending_mark(client)["methods"] == ["PASSKEY"]


def test_authsignals_default_comes_first(settings):
    enable(settings, *ALL)
    result = TrackResult(
        "CHALLENGE_REQUIRED", "idem", "tok", True, ("SMS", "EMAIL_OTP"), tuple(ALL), "EMAIL_OTP"
    )
    assert methods.offered(result) == ["EMAIL_OTP", "SMS", "WHATSAPP"]


def test_the_default_is_read_from_the_track_reply(client, user, authsignal, settings):
    enable(settings, "SMS", "EMAIL_OTP")
    hold(client, authsignal, ["SMS", "EMAIL_OTP"], defaultVerificationMethod="EMAIL_OTP")
    assert pending_mark(client)["methods"] == ["EMAIL_OTP", "SMS"]


def test_a_passkey_the_site_puts_first_stays_ahead_of_the_default(settings):
    enable(settings, "PASSKEY", "SMS", "EMAIL_OTP")
    result = TrackResult(
        "CHALLENGE_REQUIRED",
        "idem",
        "tok",
        True,
        ("SMS", "EMAIL_OTP", "PASSKEY"),
        tuple(ALL),
        "EMAIL_OTP",
    )
    assert methods.offered(result) == ["PASSKEY", "EMAIL_OTP", "SMS"]
