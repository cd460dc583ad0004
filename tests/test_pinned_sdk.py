"""The pinned browser SDK: one version and one integrity hash, everywhere they appear."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from django_authsignal_sms.conf import BROWSER_SDK_INTEGRITY, BROWSER_SDK_URL
from tests.browser_fixtures import SDK_BUNDLE, skip_or_fail_without_browser

ROOT = Path(__file__).resolve().parent.parent
PINNED = re.search(r"@authsignal/browser@(\d+\.\d+\.\d+)/", BROWSER_SDK_URL)
# Where people read the version: "@authsignal/browser@1.2.3", "`@authsignal/browser` 1.2.3"...
MENTIONS = re.compile(r"@authsignal/browser`?[@ ](?:SDK \()?(\d+\.\d+(?:\.\d+)?)")
DOCS = ["README.md", "CHANGELOG.md", *(str(p.relative_to(ROOT)) for p in ROOT.glob("docs/*.md"))]


def pinned_version() -> str:
    assert PINNED, BROWSER_SDK_URL
    return PINNED.group(1)


def test_package_json_and_its_lock_pin_the_settings_version():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert package["dependencies"]["@authsignal/browser"] == pinned_version()
    assert lock["packages"]["node_modules/@authsignal/browser"]["version"] == pinned_version()


@pytest.mark.parametrize("document", DOCS)
def test_the_docs_name_the_pinned_version(document):
    for mention in MENTIONS.findall((ROOT / document).read_text()):
        assert pinned_version().startswith(mention), f"{document} names {mention}"


def test_the_readme_shows_the_start_of_the_integrity_hash():
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"`(sha384-[A-Za-z0-9+/]{4,})…`", readme)
    assert shown and BROWSER_SDK_INTEGRITY.startswith(shown.group(1))


@pytest.mark.browser
def test_the_integrity_hash_is_the_pinned_files():
    skip_or_fail_without_browser()
    digest = base64.b64encode(hashlib.sha384(SDK_BUNDLE.read_bytes()).digest()).decode()
    assert f"sha384-{digest}" == BROWSER_SDK_INTEGRITY
    installed = json.loads((SDK_BUNDLE.parent.parent / "package.json").read_text())
    assert installed["version"] == pinned_version()
