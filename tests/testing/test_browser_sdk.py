"""The real @authsignal/browser SDK, in headless Chromium, against the emulator (cross-origin)."""

from __future__ import annotations

import pytest

from tests.browser_fixtures import sdk_page_server
from tests.emulator_fixtures import EMULATOR_TENANT_ID, PHONE, enroll

pytestmark = pytest.mark.browser

PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><script src="/authsignal.js"></script></head>
<body>emulator browser contract</body></html>"""

# Each step runs in the page; `window.client` keeps the SDK (and its cached token) between steps.
SETUP = """({tenantId, baseUrl, token}) => {
    window.expired = false;
    window.client = new authsignal.Authsignal({
        tenantId, baseUrl, onTokenExpired: () => { window.expired = true; },
    });
    window.client.setToken(token);
}"""


@pytest.fixture(scope="module")
def page_url():
    """A page on its own origin (another port), so every SDK call is cross-origin."""
    with sdk_page_server(PAGE) as url:
        yield url


@pytest.fixture(scope="module")
def browser(browser_context, page_url):
    return browser_context


@pytest.fixture
def page_for(browser, page_url, emulator):
    """Open the page with the browser SDK holding this track token."""
    pages = []

    def open_page(token):
        page = browser.new_page()
        pages.append(page)
        page.goto(page_url)
        arguments = {"tenantId": EMULATOR_TENANT_ID, "baseUrl": emulator.base_url, "token": token}
        page.evaluate(SETUP, arguments)
        return page

    yield open_page
    for page in pages:
        page.close()


def test_sms_challenge_and_verify(emulator, sdk, page_for):
    enroll(sdk, "u1")
    tracked = sdk.track("u1", "signIn")
    page = page_for(tracked["token"])
    challenge = page.evaluate("() => window.client.sms.challenge()")
    assert set(challenge) == {"data"} and challenge["data"]["challengeId"]
    code = emulator.latest_code(user_id="u1")
    result = page.evaluate("code => window.client.sms.verify({code})", code)
    assert result["data"]["isVerified"] is True
    token = result["data"]["token"]
    assert token and token != tracked["token"]
    validated = sdk.validate_challenge({"token": token, "userId": "u1", "action": "signIn"})
    assert validated["is_valid"] is True
    assert validated["state"] == "CHALLENGE_SUCCEEDED"
    assert validated["idempotency_key"] == tracked["idempotency_key"]
    assert emulator.stats()["requests"]["preflight"] >= 2  # really cross-origin


def test_wrong_code(emulator, sdk, page_for):
    enroll(sdk, "u1")
    page = page_for(sdk.track("u1", "signIn")["token"])
    page.evaluate("() => window.client.sms.challenge()")
    code = emulator.latest_code(user_id="u1")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    result = page.evaluate("code => window.client.sms.verify({code})", wrong)
    assert result == {"data": {"isVerified": False, "failureReason": "CODE_INVALID_OR_EXPIRED"}}


def test_expired_token(emulator, sdk, page_for):
    enroll(sdk, "u1")
    page = page_for(sdk.track("u1", "signIn")["token"])
    emulator.advance_clock(601)
    result = page.evaluate("() => window.client.sms.challenge()")
    assert result["errorCode"] == "expired_token"
    assert result["error"] == result["errorDescription"]
    assert page.evaluate("() => window.expired") is True


def test_sms_enroll(emulator, sdk, page_for):
    page = page_for(sdk.track("new", "signIn")["token"])
    enrolled = page.evaluate("phoneNumber => window.client.sms.enroll({phoneNumber})", PHONE)
    assert enrolled["data"]["userId"] == "new" and enrolled["data"]["userAuthenticatorId"]
    code = emulator.latest_code(to=PHONE)
    result = page.evaluate("code => window.client.sms.verify({code})", code)
    assert result["data"]["isVerified"] is True
    assert result["data"]["userAuthenticator"]["phoneNumber"] == PHONE
    [authenticator] = sdk.get_authenticators("new")
    assert authenticator["user_authenticator_id"] == enrolled["data"]["userAuthenticatorId"]


def test_whatsapp_challenge_and_verify(emulator, sdk, page_for):
    emulator.set_rules({"allowedVerificationMethods": ["SMS", "WHATSAPP"]})
    enroll(sdk, "u1")
    page = page_for(sdk.track("u1", "signIn")["token"])
    challenge = page.evaluate("() => window.client.whatsapp.challenge()")
    assert challenge["data"]["challengeId"]
    [message] = emulator.outbox(user_id="u1")
    assert message["channel"] == "WHATSAPP" and message["to"] == PHONE
    result = page.evaluate("code => window.client.whatsapp.verify({code})", message["code"])
    assert result["data"]["isVerified"] is True
    validated = sdk.validate_challenge({"token": result["data"]["token"]})
    assert validated["is_valid"] is True and validated["verification_method"] == "WHATSAPP"
