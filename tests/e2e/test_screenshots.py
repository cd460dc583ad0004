"""The code page, photographed for the README: on a desktop, on a phone, in the admin's look, in
the dark theme and in Spanish, each in artifacts/screenshots/<name>.png (scripts/screenshots
copies them to docs/screenshots/). Every shot waits for the same moment: the first code sent and
the resend countdown over, so that shots taken on different days differ only where the page
did."""

from __future__ import annotations

import base64
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser_login import enroll_sms, log_in, wait_until

SCREENSHOTS = ARTIFACTS / "screenshots"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots"
PHONE = "+15005550051"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A blank 1280x800 page is about 5 KB as a PNG, one heading on it 9 KB; the code page, 35 KB.
SMALLEST_PNG = 12_000


@dataclass(frozen=True)
class Shot:
    name: str
    width: int = 1280
    height: int = 800
    scale: int = 1
    login_path: str = "/accounts/login/"
    color_scheme: str = "light"
    language: str = "en"


SHOTS = [
    Shot("code-page"),
    Shot("code-page-mobile", width=390, height=844, scale=2),
    Shot("code-page-admin", login_path="/admin/login/"),
    Shot("code-page-dark", color_scheme="dark"),
    Shot("code-page-es", language="es"),
]


def prepare(page, shot: Shot) -> None:
    """The browser as ``shot`` wants it: its size and pixel density, theme and language."""
    page.set_viewport_size({"width": shot.width, "height": shot.height})
    page.emulate_media(color_scheme=shot.color_scheme, reduced_motion="reduce")
    page.set_extra_http_headers({"Accept-Language": shot.language})


def wait_for_the_sent_state(page, emulator) -> None:
    """The first code sent and the resend countdown over (RESEND_COOLDOWN is 1 s here), in any
    language: nothing on the page moves any more."""
    wait_until(page, lambda: emulator.outbox(to=PHONE))
    page.wait_for_selector("#authsignal-sms-resend:enabled")
    page.wait_for_function("document.getElementById('authsignal-sms-status').textContent.trim()")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    assert len(data) >= SMALLEST_PNG, f"{path} is nearly empty: {len(data)} bytes"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def shoot(page, shot: Shot) -> Path:
    """Playwright's own screenshot knows only the context's pixel density (1 here): Chromium
    takes a denser shot itself."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{shot.name}.png"
    path.unlink(missing_ok=True)
    if shot.scale == 1:
        page.screenshot(path=str(path), animations="disabled", caret="hide")
    else:
        chromium = page.context.new_cdp_session(page)
        metrics = {"width": shot.width, "height": shot.height, "mobile": False}
        chromium.send(
            "Emulation.setDeviceMetricsOverride", {**metrics, "deviceScaleFactor": shot.scale}
        )
        page.add_style_tag(content="* { caret-color: transparent !important; }")  # as caret="hide"
        path.write_bytes(base64.b64decode(chromium.send("Page.captureScreenshot")["data"]))
        chromium.detach()
    return path


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("shot", SHOTS, ids=[shot.name for shot in SHOTS])
def test_a_screenshot_of_the_code_page(site, page, emulator, make_user, shot):
    enroll_sms(emulator, make_user("ada", PHONE, is_staff=True, is_superuser=True))
    prepare(page, shot)
    log_in(page, site, "ada", login_path=shot.login_path)
    page.wait_for_url("**/mfa/challenge/**")
    wait_for_the_sent_state(page, emulator)
    assert_shows_what_it_names(page, shot)

    path = shoot(page, shot)

    assert png_size(path) == (shot.width * shot.scale, shot.height * shot.scale)


def assert_shows_what_it_names(page, shot: Shot) -> None:
    if shot.width < 600:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= shot.width, f"the page scrolls sideways on a phone: {width}px wide"
    if shot.login_path.startswith("/admin/"):
        assert page.locator("link[href*='admin/css/base.css']").count(), "not the admin's look"
    if shot.color_scheme == "dark":
        dark = background(page)
        page.emulate_media(color_scheme="light")
        light = background(page)
        page.emulate_media(color_scheme="dark")
        assert light != dark, "the dark theme looks like the light one"
    if shot.language != "en":
        assert page.evaluate("document.documentElement.lang").startswith(shot.language)
        assert page.text_content("h1").strip() != "Enter your code", "not translated"


def test_the_script_runs_these_tests_and_copies_the_shots_for_the_readme():
    text = SCRIPT.read_text()
    assert os.access(SCRIPT, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert "tests/e2e/test_screenshots.py" in text
    assert "docs/screenshots" in text
