"""End to end: a signed-in user changes their sign-in phone in Chromium, with the real browser
SDK and the emulator, under a strict Content-Security-Policy: a code to the old number (the
step-up), the new number typed, a code to the new number (sms.enroll, sms.verify); then signs
out and signs in again with a code that goes to the new number."""

from __future__ import annotations

import pytest

from tests.e2e.axe import assert_none_serious, serious_violations
from tests.e2e.conftest import save_screenshot
from tests.e2e.test_browser_login import (
    enroll_sms,
    log_in,
    type_code,
    wait_for_error,
    wait_for_sent,
)

pytestmark = pytest.mark.browser

OLD = "+15005550081"
NEW = "+15005550082"


def wait_for_new_number_sent(page):
    wait_for_sent(page, "We sent your code by text message.")


def signed_in(site, page, emulator, user):
    log_in(page, site, user.username)
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to=OLD))
    page.wait_for_url(f"{site.url}/protected/")


def test_a_user_changes_the_sign_in_phone_then_signs_in_with_the_new_one(
    site, strict_csp, page, emulator, make_user
):
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    user = make_user("nina", OLD)
    enroll_sms(emulator, user)
    signed_in(site, page, emulator, user)
    assert len(emulator.outbox(to=OLD)) == 1

    page.goto(f"{site.url}/mfa/security/")
    assert page.text_content(".authsignal-sms-phone-number") == "+15*******81"
    page.click("#authsignal-sms-change")

    # The step-up: a code to the current number.
    page.wait_for_url(f"{site.url}/mfa/step-up/")
    wait_for_sent(page)
    assert "change your sign-in phone" in page.text_content("#authsignal-sms-purpose")
    assert len(emulator.outbox(to=OLD)) == 2
    type_code(page, emulator.latest_code(to=OLD))

    # The new number, then a code to it.
    page.wait_for_url(f"{site.url}/mfa/security/phone/change/")
    page.fill("input[name=phone_number]", "+1 500 555 0082")
    page.click("#authsignal-sms-send-new")
    page.wait_for_url(f"{site.url}/mfa/security/phone/verify/")
    wait_for_new_number_sent(page)
    save_screenshot(page, "security-new-number")
    [message] = emulator.outbox(to=NEW)
    type_code(page, message["code"])

    page.wait_for_url(f"{site.url}/mfa/security/")
    assert "Your sign-in phone is now +15*******82." in page.text_content(".authsignal-sms-notices")
    assert page.text_content(".authsignal-sms-phone-number") == "+15*******82"
    save_screenshot(page, "security-page")
    user.refresh_from_db()
    assert user.phone_number == NEW
    assert [a["phoneNumber"] for a in authenticators(emulator, user)] == [NEW]
    assert [v for v in violations if "Content Security Policy" in v] == []

    # Sign out, sign in: the code goes to the new number only.
    page.goto(f"{site.url}/protected/")
    page.click("nav form [type=submit]")
    page.wait_for_load_state()
    log_in(page, site, "nina")
    wait_for_sent(page)
    assert len(emulator.outbox(to=NEW)) == 2
    assert len(emulator.outbox(to=OLD)) == 2
    type_code(page, emulator.latest_code(to=NEW))
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "nina"


def authenticators(emulator, user):
    return [a.to_json() for a in emulator.store.authenticators_of(str(user.pk))]


def test_a_wrong_code_for_the_new_number_can_be_typed_again(site, page, emulator, make_user):
    """Also: no serious accessibility violation on any of the pages, errors shown."""
    seen = {}
    user = make_user("otto", OLD)
    enroll_sms(emulator, user)
    signed_in(site, page, emulator, user)
    page.goto(f"{site.url}/mfa/security/")
    seen["security page"] = serious_violations(page)
    page.click("#authsignal-sms-change")
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to=OLD))
    page.wait_for_url(f"{site.url}/mfa/security/phone/change/")
    seen["change form"] = serious_violations(page)

    page.fill("input[name=phone_number]", "0082")
    page.click("#authsignal-sms-send-new")
    assert "international format" in page.text_content("#authsignal-sms-number-error")
    seen["change form, wrong number"] = serious_violations(page)
    page.fill("input[name=phone_number]", NEW)
    page.click("#authsignal-sms-send-new")
    wait_for_new_number_sent(page)
    right = emulator.latest_code(to=NEW)
    type_code(page, "000000" if right != "000000" else "111111")
    wait_for_error(page)
    assert "not right" in page.text_content("#authsignal-sms-error")
    seen["new number's code page, wrong code"] = serious_violations(page)
    user.refresh_from_db()
    assert user.phone_number == OLD
    type_code(page, right)
    page.wait_for_url(f"{site.url}/mfa/security/")
    user.refresh_from_db()
    assert user.phone_number == NEW
    assert_none_serious(seen)
