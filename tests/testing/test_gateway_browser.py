"""The real @authsignal/browser SDK against the emulator's unknown-path answer (cross-origin).

A baseUrl without /v1 reaches no endpoint: the gateway's answer has no `error` key, so the SDK
reports a success with no challengeId. Callers must check for `challengeId`.
"""

from __future__ import annotations

import pytest

from tests.browser_fixtures import sdk_page_server
from tests.emulator_fixtures import EMULATOR_TENANT_ID, enroll

pytestmark = pytest.mark.browser

PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><script src="/authsignal.js"></script></head>
<body>emulator gateway</body></html>"""
CHALLENGE = """async ({tenantId, baseUrl, token}) => {
    const client = new authsignal.Authsignal({tenantId, baseUrl});
    client.setToken(token);
    return await client.sms.challenge();
}"""


@pytest.fixture(scope="module")
def page_url():
    """A page on its own origin (another port), so every SDK call is cross-origin."""
    with sdk_page_server(PAGE) as url:
        yield url


@pytest.fixture
def page(browser_context, page_url):
    page = browser_context.new_page()
    page.goto(page_url)
    yield page
    page.close()


@pytest.mark.parametrize(
    ("variant", "message"),
    [("missing_token", "Missing Authentication Token"), ("not_found", "Not Found")],
)
def test_a_base_url_without_v1_looks_like_a_success(emulator, emulator_sdk, page, variant, message):
    emulator.set_variants({"unknown_path": variant})
    enroll(emulator_sdk)
    token = emulator_sdk.track("u1", "signIn")["token"]
    arguments = {"tenantId": EMULATOR_TENANT_ID, "baseUrl": emulator.url, "token": token}
    assert page.evaluate(CHALLENGE, arguments) == {"data": {"message": message}}
    assert emulator.outbox() == []
    arguments["baseUrl"] = emulator.base_url
    sent = page.evaluate(CHALLENGE, arguments)
    assert sent == {"data": {"challengeId": emulator.outbox()[-1]["challengeId"]}}
