"""End to end, in Chromium: the code page's channels (SMS and WhatsApp, the cooldown between
codes) and how it fails gracefully (no browser SDK, no script at all)."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.test_browser_login import enroll_sms, log_in, type_code, wait_for_sent, wait_until

pytestmark = pytest.mark.browser

SDK_FILES = "**/authsignal-browser-*.js"
ON_WHATSAPP = "We sent your code on WhatsApp."
BY_TEXT = "We sent your code by text message."


@pytest.fixture
def cooldown(settings):
    """The seconds between two codes, for one test (the site's default is 1)."""

    def set_cooldown(seconds):
        settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "RESEND_COOLDOWN": seconds}

    return set_cooldown


def channels_sent(emulator, phone):
    return [message["channel"] for message in emulator.outbox(to=phone)]


def intro(page):
    """What the page says about where the code goes (the visible sentence only)."""
    return page.locator("#authsignal-sms-intro span:visible").inner_text()


def signed_in(page, site, username):
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == username


def start(site, page, emulator, make_user, username, phone):
    enroll_sms(emulator, make_user(username, phone))
    log_in(page, site, username)
    wait_for_sent(page, BY_TEXT)


def switch_when_allowed(page, button):
    """Once the wait between two codes is over, click ``button``."""
    page.wait_for_selector("#authsignal-sms-resend:enabled")
    page.click(button)


def test_whatsapp_during_the_cooldown_says_why_it_waits_then_sends_on_whatsapp(
    site, page, emulator, make_user, cooldown
):
    cooldown(4)
    phone = "+15005550041"
    start(site, page, emulator, make_user, "wanda", phone)
    clicked = time.monotonic()
    page.click("#authsignal-sms-whatsapp")

    assert "go on WhatsApp" in page.text_content("#authsignal-sms-status")
    assert re.fullmatch(
        r"You can send a new code in 0:0\d\.", page.inner_text("#authsignal-sms-wait")
    )
    while True:  # nothing is sent while the page says it waits
        sent = channels_sent(emulator, phone)
        if "go on WhatsApp" not in page.text_content("#authsignal-sms-status"):
            break
        assert sent == ["SMS"]
        page.wait_for_timeout(100)

    wait_for_sent(page, ON_WHATSAPP)
    assert time.monotonic() - clicked > 2
    assert channels_sent(emulator, phone) == ["SMS", "WHATSAPP"]
    assert intro(page).startswith("Your one-time code goes on WhatsApp to +15")
    type_code(page, emulator.latest_code(to=phone))
    signed_in(page, site, "wanda")


def test_after_a_switch_the_page_says_whatsapp_keeps_it_on_reload_and_offers_sms_back(
    site, page, emulator, make_user
):
    phone = "+15005550042"
    start(site, page, emulator, make_user, "walt", phone)
    assert page.is_hidden("#authsignal-sms-sms")
    switch_when_allowed(page, "#authsignal-sms-whatsapp")
    wait_for_sent(page, ON_WHATSAPP)
    assert intro(page).startswith("Your one-time code goes on WhatsApp")
    assert page.is_hidden("#authsignal-sms-whatsapp")
    assert page.inner_text("#authsignal-sms-sms") == "Send it by text message instead"

    page.reload()  # the server recorded the channel: the page still says WhatsApp
    page.wait_for_function(
        "document.getElementById('authsignal-sms-status').textContent.includes('Enter the code')"
    )
    assert intro(page).startswith("Your one-time code goes on WhatsApp")
    assert page.is_visible("#authsignal-sms-sms") and page.is_hidden("#authsignal-sms-whatsapp")

    switch_when_allowed(page, "#authsignal-sms-sms")
    wait_for_sent(page, BY_TEXT)
    assert channels_sent(emulator, phone) == ["SMS", "WHATSAPP", "SMS"]
    assert intro(page).startswith("Your one-time code goes by text message")
    assert page.is_visible("#authsignal-sms-whatsapp")
    type_code(page, emulator.latest_code(to=phone))
    signed_in(page, site, "walt")


def test_send_a_new_code_sends_on_the_channel_shown(site, page, emulator, make_user):
    phone = "+15005550043"
    start(site, page, emulator, make_user, "wes", phone)
    switch_when_allowed(page, "#authsignal-sms-whatsapp")
    wait_for_sent(page, ON_WHATSAPP)
    page.evaluate("document.getElementById('authsignal-sms-status').textContent = ''")
    switch_when_allowed(page, "#authsignal-sms-resend")
    wait_for_sent(page, ON_WHATSAPP)
    wait_until(page, lambda: len(emulator.outbox(to=phone)) == 3)
    assert channels_sent(emulator, phone) == ["SMS", "WHATSAPP", "WHATSAPP"]
    type_code(page, emulator.latest_code(to=phone))
    signed_in(page, site, "wes")


def test_the_step_up_page_switches_channels_the_same_way(site, page, emulator, make_user):
    emulator.set_rules(
        {
            "defaultState": {"signIn": "CHALLENGE_REQUIRED", "changeEmail": "CHALLENGE_REQUIRED"},
            "allowedVerificationMethods": ["SMS", "WHATSAPP"],
        }
    )
    phone = "+15005550044"
    start(site, page, emulator, make_user, "stella", phone)
    type_code(page, emulator.latest_code(to=phone))
    signed_in(page, site, "stella")

    page.goto(f"{site.url}/stepup-tests/email/")
    page.wait_for_url(f"{site.url}/mfa/step-up/")
    wait_for_sent(page, BY_TEXT)
    switch_when_allowed(page, "#authsignal-sms-whatsapp")
    wait_for_sent(page, ON_WHATSAPP)
    assert intro(page).startswith("Your one-time code goes on WhatsApp")
    page.reload()
    assert intro(page).startswith("Your one-time code goes on WhatsApp")
    assert channels_sent(emulator, phone) == ["SMS", "SMS", "WHATSAPP"]
    type_code(page, emulator.latest_code(to=phone))
    page.wait_for_url(f"{site.url}/stepup-tests/email/")
    assert page.content().count("email form") == 1


def test_without_the_sdk_the_page_says_so_offers_a_retry_and_has_sent_nothing(
    site, page, emulator, make_user
):
    phone = "+15005550045"
    enroll_sms(emulator, make_user("sid", phone))
    page.route(SDK_FILES, lambda route: route.abort())
    log_in(page, site, "sid")
    page.wait_for_selector("#authsignal-sms-retry:visible")
    assert "could not load" in page.text_content("#authsignal-sms-error")
    assert page.is_disabled("#authsignal-sms-verify")
    page.wait_for_timeout(500)
    assert emulator.outbox() == []

    page.unroute(SDK_FILES)
    page.click("#authsignal-sms-retry")
    wait_for_sent(page, BY_TEXT)  # the automatic send was not used up
    assert page.is_hidden("#authsignal-sms-retry")
    type_code(page, emulator.latest_code(to=phone))
    signed_in(page, site, "sid")


@pytest.fixture
def page_without_script(browser_context):
    """A page of the same browser (its cookies) that runs no script at all, as with JavaScript
    turned off (what a context's ``java_script_enabled=False`` does, for this page only)."""
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    browser_context.new_cdp_session(page).send(
        "Emulation.setScriptExecutionDisabled", {"value": True}
    )
    yield page
    page.close()


def test_without_any_script_the_code_never_goes_in_a_url_and_nothing_is_used_up(
    site, page_without_script, page, emulator, make_user
):
    phone = "+15005550046"
    enroll_sms(emulator, make_user("nora", phone))
    requests = []
    page_without_script.on("request", lambda request: requests.append(request.url))
    log_in(page_without_script, site, "nora")
    page_without_script.wait_for_url("**/mfa/challenge/**")
    challenge_url = page_without_script.url
    assert "needs JavaScript" in page_without_script.inner_text(".authsignal-sms-card")
    assert page_without_script.is_disabled("#authsignal-sms-verify")

    requests.clear()
    page_without_script.fill("#authsignal-sms-code", "123456")
    page_without_script.press("#authsignal-sms-code", "Enter")
    page_without_script.click("#authsignal-sms-verify", force=True)
    page_without_script.wait_for_timeout(1000)
    assert [url for url in requests if "123456" in url] == []
    assert requests == []
    assert page_without_script.url == challenge_url
    assert emulator.outbox() == []

    page.goto(challenge_url)  # the same session, with scripts: the first code goes now
    wait_for_sent(page, BY_TEXT)
    type_code(page, emulator.latest_code(to=phone))
    signed_in(page, site, "nora")


def test_a_page_whose_script_cannot_load_says_so_after_a_while(site, page, emulator, make_user):
    """The notice waits 10 seconds (a slow network may still bring the script); here it is
    shown at once, by a style that only shortens that wait."""
    enroll_sms(emulator, make_user("sam", "+15005550047"))
    log_in(page, site, "sam")
    wait_for_sent(page, BY_TEXT)
    page.add_style_tag(content=".authsignal-sms-stalled { animation-delay: 0s !important; }")
    page.wait_for_timeout(300)
    assert page.is_hidden("#authsignal-sms-stalled")  # the script started

    page.route("**/challenge.js", lambda route: route.abort())
    page.reload()
    page.add_style_tag(content=".authsignal-sms-stalled { animation-delay: 0s !important; }")
    page.wait_for_selector("#authsignal-sms-stalled:visible")
    assert "taking a long time to start" in page.inner_text("#authsignal-sms-stalled")
    assert page.is_disabled("#authsignal-sms-verify")
