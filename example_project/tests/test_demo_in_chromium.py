"""The demo as `./scripts/demo` runs it (DEBUG on, the local emulator with the demo's rules, the
demo users), in Chromium on a phone (390 px wide) and on a desktop: the login page and the
emulator outbox panel on the code page."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import requests
from authsignal.client import AuthsignalClient
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from django_authsignal_sms.testing import EMULATOR_SECRET_KEY

pytestmark = pytest.mark.browser

DEMO_RULES = Path(__file__).resolve().parents[1] / "emulator-rules.json"
PHONE, DESKTOP = 390, 1280
PANEL = "iframe[src*='/dev/outbox/']"


@pytest.fixture
def demo_site(live_server, authsignal_emulator, settings, transactional_db):
    settings.DEBUG = True
    authsignal_emulator.set_rules(json.loads(DEMO_RULES.read_text()))
    call_command("demo_setup", "--enroll", stdout=io.StringIO())
    return live_server


def user_id(username):
    return str(get_user_model().objects.get(username=username).pk)


def send_code(emulator, username):
    """A code for a fresh sign-in of this user, sent as the code page's browser SDK sends it."""
    sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)
    token = sdk.track(user_id(username), "signIn")["token"]
    reply = requests.post(
        f"{emulator.base_url}/client/challenge/sms",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert reply.status_code == 200, reply.text
    return emulator.latest_code(user_id(username))


def fits_its_width(frame) -> bool:
    return frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_login_page_fits_and_lists_every_demo_account(
    demo_site, browser_at, width, serious_accessibility_violations, save_screenshot
):
    page = browser_at(width)
    page.goto(f"{demo_site.url}/accounts/login/")

    rows = page.locator(".demo-accounts tbody tr")
    expect(rows).to_have_count(len(DEMO_ACCOUNTS))
    for row, account in zip(rows.all(), DEMO_ACCOUNTS, strict=True):
        expect(row.locator("td").nth(0)).to_have_text(account.username)
        expect(row.locator("td").nth(1)).to_have_text(account.shows)
    expect(page.locator("#demo-password")).to_have_text(DEMO_PASSWORD)
    assert fits_its_width(page)
    for element in ("#login-submit", ".demo-accounts table"):
        box = page.locator(element).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, element
    assert serious_accessibility_violations(page) == []
    save_screenshot(page, f"demo-login-{width}")


def test_the_outbox_panel_shows_each_code_and_keeps_its_filter_as_it_refreshes(
    demo_site, authsignal_emulator, browser_at, serious_accessibility_violations, save_screenshot
):
    page = browser_at(PHONE)
    page.goto(f"{demo_site.url}/accounts/login/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/mfa/challenge/**")
    panel = page.frame_locator(PANEL)
    codes = panel.locator("code.code")

    # The code page's own code, for the user signing in (their messages by default).
    expect(codes).to_have_count(1)
    expect(codes.first).to_have_text(authsignal_emulator.latest_code(user_id("demo")))
    expect(panel.locator("#outbox-user")).to_have_value(user_id("demo"))
    expect(panel.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(panel.locator("#outbox-show")).to_be_hidden()  # the select applies at once

    elsewhere = send_code(authsignal_emulator, "admin")
    panel.locator("#outbox-user").select_option("all")
    expect(codes.first).to_have_text(elsewhere)
    expect(codes).to_have_count(2)

    # A new code arrives: the panel shows it by itself, still for all users, also once reloaded.
    newest = send_code(authsignal_emulator, "demo")
    expect(codes.first).to_have_text(newest)
    expect(codes).to_have_count(3)
    expect(panel.locator("#outbox-user")).to_have_value("all")
    expect(panel.locator("#outbox-status")).to_have_text("3 codes for all users, newest first.")
    frame = page.frame(url=re.compile(r"/dev/outbox/"))
    assert frame is not None and frame.url.endswith("?user=all")
    frame.evaluate("location.reload()")
    expect(codes).to_have_count(3)
    expect(panel.locator("#outbox-user")).to_have_value("all")

    assert fits_its_width(frame)
    assert serious_accessibility_violations(frame) == []
    save_screenshot(page, "demo-code-page-with-outbox-panel")
