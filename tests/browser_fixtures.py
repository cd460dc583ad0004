"""One headless Chromium (Debian's, driven by Playwright) for every browser test of the run.

Playwright's sync API allows one instance per thread, so all browser tests share this one.
Missing Chromium, SDK bundle or Playwright: the tests are skipped with the reason, or fail when
AUTHSIGNAL_SMS_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AUTHSIGNAL_SMS_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("AUTHSIGNAL_SMS_REQUIRE_BROWSER") == "1"
SDK_BUNDLE = (
    Path(__file__).resolve().parents[1] / "node_modules/@authsignal/browser/dist/index.min.js"
)
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
    reason = missing_browser_requirement()
    if reason and REQUIRE_BROWSER:
        pytest.fail(f"browser tests are required here (AUTHSIGNAL_SMS_REQUIRE_BROWSER=1): {reason}")
    if reason:
        pytest.skip(reason)


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
