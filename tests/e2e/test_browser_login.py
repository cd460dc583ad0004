"""End to end: a real browser, the real browser SDK, the real Python SDK, the emulator."""

from __future__ import annotations

import pytest
from authsignal.client import AuthsignalClient

from django_authsignal_sms.testing import VARIANTS
from tests.conftest import PASSWORD
from tests.e2e.conftest import save_screenshot

pytestmark = pytest.mark.browser


def log_in(page, site, username, next_path="/protected/", login_path="/accounts/login/"):
    page.goto(f"{site.url}{login_path}?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")


def wait_for_sent(page, text="We sent your code"):
    page.wait_for_function(
        "t => document.getElementById('authsignal-sms-status').textContent.includes(t)", arg=text
    )


def wait_for_error(page):
    page.wait_for_function("document.getElementById('authsignal-sms-error').textContent !== ''")


def start_challenged_login(site, page, emulator, user):
    """An enrolled user gives the password and the code page has sent the first SMS."""
    enroll_sms(emulator, user)
    log_in(page, site, user.username)
    wait_for_sent(page)


def wait_until(page, condition, timeout_ms=10_000):
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met in time")


def type_code(page, code):
    """Type the code: the page checks it by itself once its six digits are in."""
    page.fill("#authsignal-sms-code", code)


def enroll_sms(emulator, user):
    sdk = AuthsignalClient("test-secret-key", api_url=emulator.base_url)
    sdk.enroll_verified_authenticator(
        str(user.pk), {"verificationMethod": "SMS", "phoneNumber": user.phone_number}
    )


def test_site_login_with_an_sms_code_lands_on_the_wanted_page(site, page, emulator, make_user):
    user = make_user("carol", "+15005550011")
    enroll_sms(emulator, user)
    log_in(page, site, "carol")
    page.wait_for_url("**/mfa/challenge/**")
    wait_for_sent(page)
    assert page.get_attribute("#authsignal-sms-code", "autocomplete") == "one-time-code"
    save_screenshot(page, "challenge-page")
    [message] = emulator.outbox(to="+15005550011")
    assert message["channel"] == "SMS"
    type_code(page, message["code"])
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "carol"
    assert [m["channel"] for m in emulator.outbox()] == ["SMS"]


def first_login_with_the_number_on_file(site, page, emulator, user):
    log_in(page, site, user.username)
    wait_for_sent(page)
    assert "+15*******12" in page.text_content("#authsignal-sms-intro")
    assert "5005550012" not in page.content()
    type_code(page, emulator.latest_code(to="+15005550012"))
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == user.username
    assert [m["to"] for m in emulator.outbox()] == ["+15005550012"]


def test_a_never_enrolled_user_is_enrolled_with_the_number_on_file(site, page, emulator, make_user):
    first_login_with_the_number_on_file(site, page, emulator, make_user("dave", "+15005550012"))


@pytest.mark.parametrize("allow_verified", VARIANTS["allow_verified"])
def test_a_never_enrolled_user_whom_the_rules_allow_still_confirms_the_number(
    site, page, emulator, make_user, allow_verified
):
    """Authsignal's answer to validate after such a code is undocumented: each variant."""
    emulator.set_variants({"allow_verified": allow_verified})
    first_login_with_the_number_on_file(site, page, emulator, make_user("allow", "+15005550012"))


def test_admin_login_with_an_sms_code(site, page, emulator, make_user):
    admin = make_user("boss", "+15005550013", is_staff=True, is_superuser=True)
    enroll_sms(emulator, admin)
    log_in(page, site, "boss", next_path="/admin/", login_path="/admin/login/")
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to="+15005550013"))
    page.wait_for_url(f"{site.url}/admin/")
    assert "Site administration" in page.content()


def test_a_wrong_code_shows_an_error_and_the_user_can_try_again(site, page, emulator, make_user):
    start_challenged_login(site, page, emulator, make_user("erin", "+15005550014"))
    right = emulator.latest_code(to="+15005550014")
    type_code(page, "000000" if right != "000000" else "111111")
    wait_for_error(page)
    assert "not right" in page.text_content("#authsignal-sms-error")
    assert "/mfa/challenge/" in page.url
    type_code(page, right)
    page.wait_for_url(f"{site.url}/protected/")


def test_a_reload_does_not_send_another_sms(site, page, emulator, make_user):
    start_challenged_login(site, page, emulator, make_user("fred", "+15005550015"))
    page.reload()
    page.wait_for_function(
        "document.getElementById('authsignal-sms-status').textContent.includes('Enter the code')"
    )
    assert len(emulator.outbox(to="+15005550015")) == 1
    type_code(page, emulator.latest_code(to="+15005550015"))
    page.wait_for_url(f"{site.url}/protected/")


def test_resend_after_the_cooldown_sends_a_new_code(site, page, emulator, make_user):
    start_challenged_login(site, page, emulator, make_user("gina", "+15005550016"))
    first = emulator.latest_code(to="+15005550016")
    page.wait_for_selector("#authsignal-sms-resend:enabled")
    page.click("#authsignal-sms-resend")
    wait_until(page, lambda: len(emulator.outbox(to="+15005550016")) == 2)
    messages = emulator.outbox(to="+15005550016")
    assert len(messages) == 2
    second = messages[-1]["code"]
    if first != second:
        type_code(page, first)  # the old code died with the new challenge
        wait_for_error(page)
    type_code(page, second)
    page.wait_for_url(f"{site.url}/protected/")


def test_whatsapp_fallback(site, page, emulator, make_user):
    start_challenged_login(site, page, emulator, make_user("hank", "+15005550017"))
    page.wait_for_selector("#authsignal-sms-resend:enabled")
    page.click("#authsignal-sms-whatsapp")
    wait_for_sent(page, "WhatsApp")
    message = emulator.outbox(to="+15005550017")[-1]
    assert message["channel"] == "WHATSAPP"
    type_code(page, message["code"])
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "hank"


def test_an_enrolled_allow_user_is_logged_in_without_a_code(site, page, emulator, make_user):
    enroll_sms(emulator, make_user("allow", "+15005550001"))
    log_in(page, site, "allow")
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "allow"
    assert emulator.outbox() == []


@pytest.mark.parametrize(
    ("username", "wording"), [("block", "Sign-in blocked"), ("review", "held for review")]
)
def test_block_and_review_users_see_the_denied_page(
    site, page, emulator, make_user, username, wording
):
    make_user(username, "+15005550002")
    log_in(page, site, username)
    page.wait_for_url(f"{site.url}/mfa/denied/")
    assert wording in page.content()
    page.goto(f"{site.url}/protected/")
    assert "/accounts/login/" in page.url
    assert emulator.outbox() == []


def test_the_code_page_works_under_a_strict_content_security_policy(
    site, strict_csp, page, emulator, make_user
):
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    start_challenged_login(site, page, emulator, make_user("ivy", "+15005550018"))
    assert "script-src 'self'" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('content-security-policy'))"
    )
    type_code(page, emulator.latest_code(to="+15005550018"))
    page.wait_for_url(f"{site.url}/protected/")
    assert [v for v in violations if "Content Security Policy" in v] == []


def test_a_client_api_url_without_v1_is_reported_not_shown_as_sent(
    site, page, emulator, make_user, settings
):
    """A gateway answers the wrong path without an ``error`` key: the SDK calls that a success."""
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "CLIENT_API_URL": emulator.url}
    enroll_sms(emulator, make_user("jack", "+15005550019"))
    log_in(page, site, "jack")
    wait_for_error(page)
    assert "/v1" in page.text_content("#authsignal-sms-error")
    assert "We sent your code" not in page.text_content("#authsignal-sms-status")
    assert emulator.outbox() == []


def test_a_single_page_app_signs_in_through_its_api_with_the_code(site, page, emulator, make_user):
    """dj-rest-auth's login view answers 401 with what the SDK needs; the page runs the SDK and
    posts the token to the JSON callback (tests/static/tests/spa-sign-in.js, the README's)."""
    enroll_sms(emulator, make_user("sam", "+15005550020"))
    page.goto(f"{site.url}/spa/")
    page.evaluate(
        """([username, password]) => {
            window.codeAsked = new Promise(resolve => { window.giveCode = resolve; });
            window.result = signIn(username, password, () => window.codeAsked);
        }""",
        ["sam", PASSWORD],
    )
    wait_until(page, lambda: emulator.outbox(to="+15005550020"))
    page.evaluate("code => window.giveCode(code)", emulator.latest_code(to="+15005550020"))
    assert page.evaluate("window.result") == {"code": "signed_in", "next": "/protected/"}
    me = page.evaluate("fetch('/api/me/').then(r => r.json())")
    assert me == {"username": "sam"}
