"""End to end: an admin resets a user's sign-in phone in the Django admin, and that user's next
sign-in enrolls the number on file again (a code to it), in Chromium against the emulator."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser_login import enroll_sms, log_in, type_code, wait_for_sent

pytestmark = pytest.mark.browser


def test_an_admin_resets_a_sign_in_phone_and_the_next_sign_in_enrolls_the_number_on_file(
    site, page, browser_context, emulator, make_user
):
    boss = make_user("boss", "+15005550031", is_staff=True, is_superuser=True)
    enroll_sms(emulator, boss)
    user = make_user("jane", "+15005550032")
    # Her SMS authenticator has a number that is no longer hers; the one on file is.
    emulator.enroll_sms(str(user.pk), "+15005550039")

    log_in(page, site, "boss", next_path="/admin/", login_path="/admin/login/")
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to="+15005550031"))
    page.wait_for_url(f"{site.url}/admin/")

    page.goto(f"{site.url}/admin/demo/user/{user.pk}/change/")
    section = page.locator("fieldset", has_text="Sign-in (Authsignal)")
    assert "+15*******39" in section.text_content()
    assert "not the enrolled one" in section.text_content()
    section.get_by_role("link", name="Reset sign-in phone…").click()
    page.wait_for_url(f"**/admin/demo/user/{user.pk}/sign-in/reset/")
    assert [a["phoneNumber"] for a in sms_authenticators(emulator, user)] == ["+15005550039"]
    page.get_by_role("button", name="Yes, reset").click()
    page.wait_for_url(f"**/admin/demo/user/{user.pk}/change/")
    assert "Reset the sign-in phone of jane" in page.text_content("ul.messagelist")
    assert sms_authenticators(emulator, user) == []

    browser_context.clear_cookies()
    log_in(page, site, "jane")
    wait_for_sent(page)
    assert "+15*******32" in page.text_content("#authsignal-sms-intro")
    type_code(page, emulator.latest_code(to="+15005550032"))
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "jane"
    assert [a["phoneNumber"] for a in sms_authenticators(emulator, user)] == ["+15005550032"]
    assert [m["to"] for m in emulator.outbox(user_id=str(user.pk))] == ["+15005550032"]


def sms_authenticators(emulator, user):
    with emulator.lock:
        found = emulator.store.authenticators_of(str(user.pk))
        return [a.to_json() for a in found if a.verification_method == "SMS"]
