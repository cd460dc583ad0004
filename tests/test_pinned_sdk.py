"""The pinned browser SDK: one version and one integrity hash, everywhere they appear."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from django_authsignal_sms.conf import (
    BROWSER_SDK_VERSION,
    CDN_SDK_INTEGRITY,
    CDN_SDK_URL,
    VENDORED_SDK,
    VENDORED_SDK_INTEGRITY,
)
from tests.browser_fixtures import SDK_BUNDLE, skip_or_fail_without_npm_sdk
from tests.test_vendored_sdk import VENDOR, sri

ROOT = Path(__file__).resolve().parent.parent
# Where people read the version: "@authsignal/browser@1.2.3", "`@authsignal/browser` 1.2.3"...
MENTIONS = re.compile(r"@authsignal/browser`?[@ ](?:SDK \()?(\d+\.\d+(?:\.\d+)?)")
DOCS = ["README.md", "CHANGELOG.md", *(str(p.relative_to(ROOT)) for p in ROOT.glob("docs/*.md"))]


def test_package_json_and_its_lock_pin_the_settings_version():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert package["dependencies"]["@authsignal/browser"] == BROWSER_SDK_VERSION
    assert lock["packages"]["node_modules/@authsignal/browser"]["version"] == BROWSER_SDK_VERSION


def test_the_vendored_copy_and_the_cdn_name_the_pinned_version():
    assert VENDORED_SDK.endswith(f"/authsignal-browser-{BROWSER_SDK_VERSION}.min.js")
    assert f"@authsignal/browser@{BROWSER_SDK_VERSION}/dist/index.min.js" in CDN_SDK_URL
    header = (VENDOR / "README.md").read_text()
    assert header.startswith(f"# Vendored: @authsignal/browser {BROWSER_SDK_VERSION}\n")
    assert VENDORED_SDK_INTEGRITY in header


def test_the_cdn_serves_the_vendored_bytes():
    """jsDelivr's /npm/ URL serves the package's file as published: one file, one hash."""
    assert CDN_SDK_INTEGRITY == VENDORED_SDK_INTEGRITY


@pytest.mark.parametrize("document", DOCS)
def test_the_docs_name_the_pinned_version(document):
    for mention in MENTIONS.findall((ROOT / document).read_text()):
        assert BROWSER_SDK_VERSION.startswith(mention), f"{document} names {mention}"


def test_the_docs_show_the_start_of_the_integrity_hash():
    shown = [
        start
        for document in DOCS
        for start in re.findall(r"`(sha384-[A-Za-z0-9+/]{4,})…`", (ROOT / document).read_text())
    ]
    assert shown
    assert all(VENDORED_SDK_INTEGRITY.startswith(start) for start in shown), shown


@pytest.mark.browser
def test_the_installed_npm_package_is_the_pinned_one():
    skip_or_fail_without_npm_sdk()
    installed = json.loads((SDK_BUNDLE.parent.parent / "package.json").read_text())
    assert installed["version"] == BROWSER_SDK_VERSION
    assert sri(SDK_BUNDLE.read_bytes()) == CDN_SDK_INTEGRITY
