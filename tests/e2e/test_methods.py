"""The code page with every method, in Chromium against the emulator: a passkey (Chromium's
virtual authenticator), an email code (also for a first sign-in with the email on file), "try
another way", and a method the site did not enable refused at the callback.

The live site is opened at http://localhost:<port>: a passkey's relying party ID cannot be an IP
address, and the emulator's is localhost.
"""

from __future__ import annotations

import pytest
from authsignal.client import AuthsignalClient
from django.conf import settings as django_settings
from django.templatetags.static import static

from django_authsignal_sms.conf import VENDORED_SDK
from tests.e2e.conftest import save_screenshot
from tests.e2e.test_browser_login import enroll_sms, log_in, type_code, wait_for_sent
from tests.e2e.test_emulator_methods import VIRTUAL_AUTHENTICATOR

pytestmark = pytest.mark.browser

EVERY_METHOD = ["SMS", "WHATSAPP", "EMAIL_OTP", "PASSKEY"]


@pytest.fixture
def methods_site(site, emulator, settings):
    """The site, its tenant allowing every method; the site enables ``enable(...)``."""
    rules = emulator.rules.to_mapping()
    emulator.set_rules({**rules, "allowedVerificationMethods": EVERY_METHOD})

    def enable(*methods):
        settings.AUTHSIGNAL_SMS = {**django_settings.AUTHSIGNAL_SMS, "METHODS": list(methods)}

    site.enable = enable
    return site


@pytest.fixture
def authenticator(page):
    """A platform passkey authenticator in the page's browser, its owner verified."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR})
    yield added["authenticatorId"]
    devtools.send(
        "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": added["authenticatorId"]}
    )
    devtools.detach()


def server_sdk(emulator):
    return AuthsignalClient("test-secret-key", api_url=emulator.base_url)


def enroll_email(emulator, user):
    server_sdk(emulator).enroll_verified_authenticator(
        str(user.pk), {"verificationMethod": "EMAIL_OTP", "email": user.email}
    )


def add_passkey(page, site, emulator, user):
    """The user adds a passkey, as a signed-in page would, with a token able to add one."""
    token = server_sdk(emulator).track(str(user.pk), "addPasskey", {"scope": "add:authenticators"})
    page.goto(f"{site.url}/accounts/login/")
    page.add_script_tag(url=f"{site.url}{static(VENDORED_SDK)}")
    signed_up = page.evaluate(
        """([tenantId, baseUrl, token, username]) => new authsignal.Authsignal({tenantId, baseUrl})
             .passkey.signUp({token, username})""",
        ["test-tenant", emulator.base_url, token["token"], user.username],
    )
    assert signed_up["data"]["userAuthenticator"]["verificationMethod"] == "PASSKEY", signed_up


def test_a_user_with_only_email_otp_signs_in_by_email_code(methods_site, page, emulator, make_user):
    site = methods_site
    site.enable("SMS", "EMAIL_OTP")
    user = make_user("erin", "")
    enroll_email(emulator, user)
    log_in(page, site, "erin")
    page.wait_for_url("**/mfa/challenge/**")
    wait_for_sent(page, "We sent your code by email")
    assert "by email" in page.text_content("#authsignal-sms-intro")
    [message] = emulator.outbox()
    assert (message["channel"], message["to"]) == ("EMAIL", "erin@example.com")
    type_code(page, message["code"])
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "erin"


def test_a_never_enrolled_user_with_only_an_email_signs_in_by_the_emailed_code(
    methods_site, page, emulator, make_user
):
    """No number on file: the app enrolls the email on file itself, and the page emails a code."""
    site = methods_site
    site.enable("SMS", "EMAIL_OTP")
    user = make_user("nell", "")
    log_in(page, site, "nell")
    page.wait_for_url("**/mfa/challenge/**")
    wait_for_sent(page, "We sent your code by email")
    [message] = emulator.outbox()
    assert (message["channel"], message["to"]) == ("EMAIL", "nell@example.com")
    type_code(page, message["code"])
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "nell"
    methods = [
        (a["verification_method"], a["email"])
        for a in server_sdk(emulator).get_authenticators(str(user.pk))
    ]
    assert methods == [("EMAIL_OTP", "nell@example.com")]


def test_a_passkey_signs_in_and_no_code_is_sent(
    methods_site, page, emulator, make_user, authenticator
):
    site = methods_site
    site.enable("PASSKEY", "SMS")
    user = make_user("pat", "+15005550031")
    enroll_sms(emulator, user)
    add_passkey(page, site, emulator, user)
    log_in(page, site, "pat")
    page.wait_for_url("**/mfa/challenge/**")
    assert page.is_visible("#authsignal-sms-passkey-start")
    assert page.is_hidden("#authsignal-sms-code")
    page.click("#authsignal-sms-passkey-start")
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "pat"
    assert emulator.outbox() == []


def test_try_another_way_switches_from_sms_to_email(methods_site, page, emulator, make_user):
    site = methods_site
    site.enable("SMS", "EMAIL_OTP")
    user = make_user("tess", "+15005550032")
    enroll_sms(emulator, user)
    enroll_email(emulator, user)
    log_in(page, site, "tess")
    wait_for_sent(page, "We sent your code by text message")
    assert page.is_hidden("#authsignal-sms-sms")
    page.click("#authsignal-sms-email")
    wait_for_sent(page, "We sent your code by email")
    assert page.is_visible("#authsignal-sms-sms")
    assert [m["channel"] for m in emulator.outbox()] == ["SMS", "EMAIL"]
    type_code(page, emulator.latest_code(to="tess@example.com"))
    page.wait_for_url(f"{site.url}/protected/")


def test_try_another_way_switches_from_a_passkey_to_sms(
    methods_site, page, emulator, make_user, authenticator
):
    site = methods_site
    site.enable("PASSKEY", "SMS")
    user = make_user("paul", "+15005550033")
    enroll_sms(emulator, user)
    add_passkey(page, site, emulator, user)
    log_in(page, site, "paul")
    page.wait_for_url("**/mfa/challenge/**")
    assert page.is_visible("#authsignal-sms-passkey-start")
    save_screenshot(page, "challenge-page-passkey")
    page.click("#authsignal-sms-sms")
    wait_for_sent(page, "We sent your code by text message")
    assert page.is_hidden("#authsignal-sms-passkey-start")
    type_code(page, emulator.latest_code(to="+15005550033"))
    page.wait_for_url(f"{site.url}/protected/")


def test_a_passkey_the_site_did_not_enable_is_refused_at_the_callback(
    methods_site, page, emulator, make_user, authenticator
):
    """The tenant allows passkeys and the user has one, but the site enabled SMS only: a passkey
    token forced through the page's own callback form does not sign in."""
    site = methods_site
    site.enable("SMS")
    user = make_user("mallory", "+15005550034")
    enroll_sms(emulator, user)
    add_passkey(page, site, emulator, user)
    log_in(page, site, "mallory")
    wait_for_sent(page)
    assert page.query_selector("#authsignal-sms-passkey-start") is None
    token = page.evaluate(
        """() => {
             const config = document.querySelector("script[data-token]").dataset;
             const {tenantId, baseUrl, token} = config;
             const client = new authsignal.Authsignal({tenantId, baseUrl});
             return client.passkey.signIn({token}).then(r => r.data && r.data.token);
           }"""
    )
    assert token
    with page.expect_navigation():
        page.evaluate(
            """token => {
                 const form = document.getElementById("authsignal-sms-callback");
                 form.elements.token.value = token;
                 form.submit();
               }""",
            token,
        )
    assert not page.url.endswith("/protected/"), page.url
    page.goto(f"{site.url}/protected/")
    assert page.query_selector("#signed-in-as") is None


def test_a_passkey_added_after_an_sms_sign_in_signs_in_next_time(
    methods_site, page, emulator, make_user, authenticator
):
    site = methods_site
    site.enable("PASSKEY", "SMS")
    user = make_user("nina", "+15005550035")
    enroll_sms(emulator, user)
    log_in(page, site, "nina")
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to="+15005550035"))
    page.wait_for_url("**/mfa/passkey/**")
    page.click("#authsignal-sms-add-passkey")
    page.wait_for_url(f"{site.url}/protected/")
    methods = [
        a["verification_method"] for a in server_sdk(emulator).get_authenticators(str(user.pk))
    ]
    assert sorted(methods) == ["PASSKEY", "SMS"]

    page.context.clear_cookies()
    sent_before = len(emulator.outbox())
    log_in(page, site, "nina")
    page.wait_for_url("**/mfa/challenge/**")
    page.click("#authsignal-sms-passkey-start")
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "nina"
    assert len(emulator.outbox()) == sent_before  # no code sent this time


def test_the_code_pages_token_cannot_enroll_another_email(methods_site, page, emulator, make_user):
    """The page only ever asks for a code to what Authsignal has on file: its token cannot add
    an address the browser chose (no add:authenticators scope), so nothing is enrolled."""
    site = methods_site
    site.enable("SMS", "EMAIL_OTP")
    user = make_user("olga", "+15005550036")
    enroll_sms(emulator, user)
    log_in(page, site, "olga")
    wait_for_sent(page)
    enrolled = page.evaluate(
        """() => {
             const script = document.querySelector("script[data-token]");
             const {tenantId, baseUrl, token} = script.dataset;
             const client = new authsignal.Authsignal({tenantId, baseUrl});
             client.setToken(token);
             return client.email.enroll({email: "mallory@example.net"});
           }"""
    )
    assert enrolled.get("error"), enrolled
    assert [m for m in emulator.outbox() if m["channel"] == "EMAIL"] == []
    methods = [
        a["verification_method"] for a in server_sdk(emulator).get_authenticators(str(user.pk))
    ]
    assert methods == ["SMS"]
