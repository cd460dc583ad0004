"""End to end: step-up in a real browser, with the real browser SDK and the emulator's risk
rules. The demo's "Transfer money" page (small amounts go through, large ones ask for a code,
a blocked payee is refused) and the same action from a page script (tests/static/tests/
step-up.js, the README's example) against a JSON endpoint and a DRF one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_browser_login import enroll_sms, log_in, type_code, wait_for_sent, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_RULES = Path(__file__).resolve().parents[2] / "example_project" / "emulator-rules.json"
PHONE = "+15005550031"


@pytest.fixture
def signed_in(site, page, emulator, make_user):
    """An enrolled user, signed in with a code, under the demo's rules (transferMoney: ALLOW,
    a code above $1,000, BLOCK for the payee mallory)."""
    emulator.set_rules(json.loads(DEMO_RULES.read_text()))
    user = make_user("tess", PHONE)
    enroll_sms(emulator, user)
    log_in(page, site, "tess")
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to=PHONE))
    page.wait_for_url(f"{site.url}/protected/")
    page.click("#transfer-link")
    page.wait_for_url(f"{site.url}/transfer/")
    return user


def submit_transfer(page, amount, payee):
    page.fill("input[name=amount]", str(amount))
    page.fill("input[name=payee]", payee)
    page.click("#transfer-submit")


def transfers(page):
    return page.locator("#transfers li").all_text_contents()


def codes_sent(emulator):
    return len(emulator.outbox(to=PHONE))


def test_a_small_transfer_needs_no_code(site, page, emulator, signed_in):
    submit_transfer(page, 250, "Acme")
    page.wait_for_selector("text=Sent $250 to acme.")
    assert page.url == f"{site.url}/transfer/"
    assert transfers(page) == ["$250 to acme"]
    assert codes_sent(emulator) == 1  # the sign-in's only


def test_a_large_transfer_asks_for_a_code_then_goes_through_once(site, page, emulator, signed_in):
    submit_transfer(page, 1250, "Acme")
    page.wait_for_url(f"{site.url}/mfa/step-up/")
    wait_for_sent(page)
    purpose = page.text_content("#authsignal-sms-purpose")
    assert purpose == "Confirm it's you to transfer $1,250 to acme."
    type_code(page, emulator.latest_code(to=PHONE))

    page.wait_for_url(f"{site.url}/transfer/")
    assert "Please submit the form again" in page.content()
    assert page.is_visible("#no-transfers")  # nothing was done before the code
    assert page.input_value("input[name=amount]") == "1250"
    page.click("#transfer-submit")
    page.wait_for_selector("text=Sent $1,250 to acme.")
    assert transfers(page) == ["$1,250 to acme"]
    page.reload()
    assert transfers(page) == ["$1,250 to acme"]
    assert codes_sent(emulator) == 2

    submit_transfer(page, 5000, "acme")  # the code confirmed $1,250 to acme, nothing else
    page.wait_for_url(f"{site.url}/mfa/step-up/")
    assert "transfer $5,000 to acme" in page.text_content("#authsignal-sms-purpose")


def test_a_blocked_payee_is_refused_and_nothing_is_done(site, page, emulator, signed_in):
    submit_transfer(page, 10, "Mallory")
    page.wait_for_load_state()
    assert page.url == f"{site.url}/transfer/"
    assert "Sent $" not in page.content()
    page.goto(f"{site.url}/transfer/")
    assert page.is_visible("#no-transfers")
    assert codes_sent(emulator) == 1


DONE = {"code": "transferred", "amount": 5000, "payee": "acme", "count": 1}
ENDPOINTS = {
    "decorator": ("/api/transfers/", DONE),
    "drf": ("/stepup-tests/api/transfer/", {"transferred": True}),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_page_script_steps_up_and_retries_the_request(
    site, page, emulator, signed_in, settings, endpoint
):
    settings.ROOT_URLCONF = "tests.stepup.e2e_urls"
    url, done = ENDPOINTS[endpoint]
    page.goto(f"{site.url}/step-up-spa/")
    page.evaluate(
        """url => {
            window.codeAsked = new Promise(resolve => { window.giveCode = resolve; });
            window.asked = [];
            window.result = withStepUp(url, {amount: 5000, payee: "acme"}, (purpose, phone) => {
                window.asked.push(purpose, phone);
                return window.codeAsked;
            });
        }""",
        url,
    )
    wait_until(page, lambda: codes_sent(emulator) == 2)
    page.evaluate("code => window.giveCode(code)", emulator.latest_code(to=PHONE))
    assert page.evaluate("window.result") == {"status": 200, "answer": done}
    masked = page.evaluate("window.asked")[1]
    assert masked.startswith("+15") and "5005550031" not in masked
    again = page.evaluate("url => withStepUp(url, {amount: 5000, payee: 'acme'})", url)
    assert again["status"] == 200  # the step-up is fresh for this amount and payee
    assert codes_sent(emulator) == 2
