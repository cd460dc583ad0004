"""A real Chromium (Debian's, through Playwright) against a live server and the emulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.browser_fixtures import SDK_BUNDLE, skip_or_fail_without_browser
from tests.conftest import PASSWORD
from tests.e2e.csp import StrictCspMiddleware

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are plain synchronous code all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(browser_context):
    browser_context.clear_cookies()
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    yield page
    page.close()


@pytest.fixture
def site(live_server, emulator, settings, transactional_db):
    """The test project, served live, talking to the emulator.

    The code page loads the browser SDK as the app does by default: the copy in its static
    files. Only the single-page app's test page (tests/templates/tests/spa.html) loads npm's copy,
    at /static/authsignal-browser/, which this site alone serves (the test settings do not), so
    only the browser tests need `npm ci`: without it they are skipped, or fail under
    AUTHSIGNAL_SMS_REQUIRE_BROWSER=1.
    """
    skip_or_fail_without_browser()
    settings.STATICFILES_DIRS = [("authsignal-browser", SDK_BUNDLE.parent)]
    settings.AUTHSIGNAL_API_URL = emulator.base_url
    settings.AUTHSIGNAL_SECRET_KEY = "test-secret-key"
    settings.AUTHSIGNAL_TENANT_ID = "test-tenant"
    settings.AUTHSIGNAL_SMS = {
        "RESEND_COOLDOWN": 1,
        "WHATSAPP": True,
    }
    emulator.set_rules(
        {
            "defaultState": {"signIn": "CHALLENGE_REQUIRED"},
            "users": {"allow": "ALLOW", "block": "BLOCK", "review": "REVIEW_REQUIRED"},
            "allowedVerificationMethods": ["SMS", "WHATSAPP"],
        }
    )
    return live_server


@pytest.fixture
def strict_csp(site, emulator):
    """The live site sends a strict Content-Security-Policy with every response, for one test.

    Put around the live server's WSGI application, then taken off again (tests/e2e/csp.py)."""
    server = site.thread.httpd
    application = server.get_app()
    server.set_app(StrictCspMiddleware(application, emulator.base_url))
    yield
    server.set_app(application)


@pytest.fixture
def make_user(transactional_db):
    def make(username, phone, **extra):
        return get_user_model().objects.create_user(
            username, f"{username}@example.com", PASSWORD, phone_number=phone, **extra
        )

    return make


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
