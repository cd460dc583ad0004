"""The real @authsignal/browser SDK against the emulator's unknown-path answer (cross-origin).

A baseUrl without /v1 reaches no endpoint: the gateway's answer has no `error` key, so the SDK
reports a success with no challengeId. Callers must check for `challengeId`.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser_fixtures import SDK_BUNDLE, skip_or_fail_without_browser
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


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/authsignal.js":
            body, content_type = SDK_BUNDLE.read_bytes(), "text/javascript"
        else:
            body, content_type = PAGE, "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def page_url():
    """A page on its own origin (another port), so every SDK call is cross-origin."""
    skip_or_fail_without_browser()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


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
