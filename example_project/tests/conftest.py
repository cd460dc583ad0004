"""Chromium (Debian's, driven by Playwright) for the example project's browser tests, each marked
``browser``. Without Chromium or Playwright they are skipped with the reason, or fail when
AUTHSIGNAL_SMS_REQUIRE_BROWSER=1 (CI); axe-core (npm's, for the accessibility checks) likewise.

The example project's tests run on their own (`pytest example_project`, `manage.py test demo`),
so these few fixtures stand here rather than being imported from the package's test suite.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("AUTHSIGNAL_SMS_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("AUTHSIGNAL_SMS_REQUIRE_BROWSER") == "1"
AXE_SCRIPT = REPOSITORY / "node_modules/axe-core/axe.min.js"
ARTIFACTS = REPOSITORY / "artifacts"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are plain synchronous code all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def skip_or_fail(reason: str | None) -> None:
    if reason and REQUIRE_BROWSER:
        pytest.fail(f"browser tests are required here (AUTHSIGNAL_SMS_REQUIRE_BROWSER=1): {reason}")
    if reason:
        pytest.skip(reason)


def missing_chromium() -> str | None:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e .[test])"
    return None


@pytest.fixture(scope="session")
def chromium():
    skip_or_fail(missing_chromium())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_at(chromium):
    """``browser_at(width)``: a fresh page (no cookies) in a window that wide."""
    contexts = []

    def open_page(width: int):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def serious_accessibility_violations():
    """``serious_accessibility_violations(page_or_frame)``: axe-core's serious and critical
    findings there (WCAG 2.0 and 2.1, A and AA, and best practices), one line each."""
    skip_or_fail(None if AXE_SCRIPT.exists() else "axe-core is not installed (npm ci)")
    return _violations


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    found = page.evaluate(
        """async tags => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
            .violations.filter(v => ["serious", "critical"].includes(v.impact))
            .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(" ")).join(", ")})`)""",
        AXE_TAGS,
    )
    return list(found)


@pytest.fixture
def save_screenshot():
    """``save_screenshot(page, name)``: artifacts/<name>.png, for a person to look at."""

    def save(page, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save
