"""The security page: the signed-in user's sign-in phone as Authsignal has it (masked), when it
was added and last used, how codes reach it, what the user may do; an outage is a clear page."""

from __future__ import annotations

import re

import pytest
from authsignal.client import AuthsignalClient
from django.test import Client
from django.utils.dateparse import parse_datetime

from tests.account.conftest import (
    CALLBACK,
    CANCEL,
    CHANGE,
    FAILED,
    OLD,
    REMOVE,
    RESEND,
    SECURITY,
    VERIFY,
    make_member,
    sign_in,
)
from tests.emulator_fixtures import EMULATOR_SECRET_KEY

pytestmark = pytest.mark.django_db


def shown(page, css_class):
    """The text of the page's ``<dd class="css_class">``."""
    match = re.search(rf'<dd class="{css_class}">(.*?)</dd>', page.content.decode(), re.S)
    assert match, css_class
    return match[1]


def datetime_of(page, css_class):
    return parse_datetime(re.search(r'datetime="([^"]+)"', shown(page, css_class))[1])


def test_the_page_shows_the_masked_number_and_when_it_was_added_and_last_used(alice, live, member):
    [authenticator] = live.store.authenticators_of(str(member.pk))
    live.advance_clock(3600)
    live.pass_challenge(live_token(live, member))  # a sign-in an hour later: last used moves on

    page = alice.get(SECURITY)

    assert page.status_code == 200
    assert shown(page, "authsignal-sms-phone-number") == "+15*******61"
    assert OLD[1:] not in page.content.decode()
    assert datetime_of(page, "authsignal-sms-phone-added").timestamp() == pytest.approx(
        authenticator.created_at, abs=0.001
    )
    used = datetime_of(page, "authsignal-sms-phone-used").timestamp()
    assert used == pytest.approx(authenticator.last_verified_at, abs=0.001)
    assert used - authenticator.created_at == pytest.approx(3600, abs=1)
    assert shown(page, "authsignal-sms-phone-channel") == "Text message (SMS)"
    assert b'href="/mfa/security/phone/change/"' in page.content
    assert b"Remove number" not in page.content


def live_token(emulator, user):
    """A sign-in's track token, as the login's code page gets it."""
    sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)
    return sdk.track(str(user.pk), "signIn", {})["token"]


def test_whatsapp_is_named_when_the_site_offers_it(alice, live, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": True}
    page = alice.get(SECURITY)
    assert "WhatsApp" in shown(page, "authsignal-sms-phone-channel")


def test_a_user_without_a_sign_in_phone_is_told_so_and_offered_no_change(client, live, settings):
    user = make_member(live, "nophone")
    live.store.delete_user(str(user.pk))
    page = sign_in(client, user, settings).get(SECURITY)
    assert page.status_code == 200
    assert b'id="authsignal-sms-no-phone"' in page.content
    assert b"/mfa/security/phone/change/" not in page.content


@pytest.mark.parametrize("mode", ["status:503", "status:500", "refuse", "html"])
def test_an_outage_is_a_clear_message_never_a_500(alice, live, mode, sent):
    live.set_fault(mode, routes=["get_authenticators"])
    page = alice.get(SECURITY)
    assert page.status_code == 503
    assert b'id="authsignal-sms-security-unavailable"' in page.content
    assert b"could not reach our sign-in service" in page.content
    assert b"/mfa/security/phone/change/" not in page.content
    assert len(sent["authsignal_error"]) == 1


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", SECURITY),
        ("get", CHANGE),
        ("post", CHANGE),
        ("get", VERIFY),
        ("post", REMOVE),
    ],
)
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(live, method, url):
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", [CALLBACK, RESEND, FAILED, CANCEL])
def test_the_code_page_endpoints_do_nothing_for_a_visitor(live, member, url):
    response = Client().post(url, {"token": "x"})
    assert response.status_code in (302, 400)
    assert live.stats()["requests"].get("validate", 0) == 0


def test_the_page_is_never_cached(alice, live):
    assert "no-cache" in alice.get(SECURITY)["Cache-Control"]
