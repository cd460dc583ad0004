"""One headless Chromium (Debian's, driven by Playwright) for every browser test of the run.

Playwright's sync API allows one instance per thread, so all browser tests share this one, and
each of them is marked ``browser`` (checked at collection).
Missing Chromium, SDK bundle or Playwright (or axe-core, for the accessibility tests): the tests
are skipped with the reason, or fail when AUTHSIGNAL_SMS_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AUTHSIGNAL_SMS_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("AUTHSIGNAL_SMS_REQUIRE_BROWSER") == "1"
SDK_BUNDLE = (
    Path(__file__).resolve().parents[1] / "node_modules/@authsignal/browser/dist/index.min.js"
)
AXE_SCRIPT = Path(__file__).resolve().parents[1] / "node_modules/axe-core/axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def missing_browser_requirement() -> str | None:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not SDK_BUNDLE.exists():
        return "the browser SDK is not installed (npm ci)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e .[test])"
    return None


def skip_or_fail_without_browser() -> None:
    _skip_or_fail(missing_browser_requirement())


def skip_or_fail_without_npm_sdk() -> None:
    """For a test that reads npm's copy of the SDK without starting Chromium."""
    _skip_or_fail(None if SDK_BUNDLE.exists() else "the browser SDK is not installed (npm ci)")


def skip_or_fail_without_axe() -> None:
    """For a test that runs axe-core (npm's, pinned in package.json) in a page."""
    skip_or_fail_without_browser()
    _skip_or_fail(None if AXE_SCRIPT.exists() else "axe-core is not installed (npm ci)")


def _skip_or_fail(reason: str | None) -> None:
    if reason and REQUIRE_BROWSER:
        pytest.fail(f"browser tests are required here (AUTHSIGNAL_SMS_REQUIRE_BROWSER=1): {reason}")
    if reason:
        pytest.skip(reason)


@contextlib.contextmanager
def sdk_page_server(html: bytes) -> Iterator[str]:
    """Serve ``html`` at / and the npm SDK bundle at /authsignal.js on a free loopback port: a
    page on its own origin, so every SDK call is cross-origin. Yields the page's URL."""
    skip_or_fail_without_browser()

    class PageHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/authsignal.js":
                body, content_type = SDK_BUNDLE.read_bytes(), "text/javascript"
            else:
                body, content_type = html, "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def pytest_collection_modifyitems(items):
    """Every test that starts Chromium carries the ``browser`` marker, so ``-m "not browser"``
    (the fast loop) never starts it."""
    unmarked = [
        item.nodeid
        for item in items
        if "browser_context" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("browser") is None
    ]
    if unmarked:
        raise pytest.UsageError(f"start Chromium without @pytest.mark.browser: {unmarked}")


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    skip_or_fail_without_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield context
        context.close()
