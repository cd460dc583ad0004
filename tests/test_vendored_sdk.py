"""The browser SDK shipped in the app's static files: npm's file byte for byte, its hash in
conf.py, its license beside it, and scripts/vendor-sdk that writes all of it."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from django_authsignal_sms import conf
from django_authsignal_sms.conf import BROWSER_SDK_VERSION, VENDORED_SDK, VENDORED_SDK_INTEGRITY
from tests.browser_fixtures import SDK_BUNDLE, skip_or_fail_without_npm_sdk

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "django_authsignal_sms" / "static"
VENDOR = STATIC / "django_authsignal_sms" / "vendor"
VENDORED_FILE = STATIC / VENDORED_SDK
SCRIPT = ROOT / "scripts" / "vendor-sdk"
NPM_PACKAGE = SDK_BUNDLE.parent.parent


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_the_vendored_file_is_a_static_file_of_the_app():
    assert finders.find(VENDORED_SDK) == str(VENDORED_FILE)


def test_its_integrity_hash_is_the_constant():
    assert sri(VENDORED_FILE.read_bytes()) == VENDORED_SDK_INTEGRITY


def test_one_version_only_is_vendored():
    assert sorted(path.name for path in VENDOR.glob("*.js")) == [Path(VENDORED_SDK).name]


def test_its_license_and_notices_are_beside_it():
    assert "The MIT License" in (VENDOR / "authsignal-browser-LICENSE.md").read_text()
    notices = (VENDOR / "authsignal-browser-THIRD-PARTY.md").read_text()
    assert "## uuid " in notices and "Permission is hereby granted" in notices
    header = (VENDOR / "README.md").read_text()
    assert f"https://www.npmjs.com/package/@authsignal/browser/v/{BROWSER_SDK_VERSION}" in header
    assert "authsignal-browser-LICENSE.md" in header


@pytest.mark.browser  # reads node_modules (`npm ci`)
def test_it_is_npms_file_byte_for_byte():
    skip_or_fail_without_npm_sdk()
    assert VENDORED_FILE.read_bytes() == SDK_BUNDLE.read_bytes()
    assert (VENDOR / "authsignal-browser-LICENSE.md").read_bytes() == (
        NPM_PACKAGE / "LICENSE.md"
    ).read_bytes()


def test_the_script_is_executable():
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text().startswith("#!/usr/bin/env python3\n")


def checkout_copy(tmp_path: Path, *, with_node_modules: bool = True) -> Path:
    """What scripts/vendor-sdk reads and writes, in a folder of its own."""
    for name in ("package.json", "package-lock.json", "django_authsignal_sms/conf.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, tmp_path / name)
    if with_node_modules:
        (tmp_path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return tmp_path


def run_script(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow  # a subprocess
@pytest.mark.browser  # reads node_modules (`npm ci`)
def test_the_script_writes_the_vendored_files_and_the_constants(tmp_path):
    skip_or_fail_without_npm_sdk()
    root = checkout_copy(tmp_path)
    conf_file = root / "django_authsignal_sms/conf.py"
    stale = conf_file.read_text()
    stale = re.sub(r'(?m)^BROWSER_SDK_VERSION = ".*"$', 'BROWSER_SDK_VERSION = "0.0.1"', stale)
    stale = re.sub(r'(?m)^VENDORED_SDK_INTEGRITY = ".*"$', 'VENDORED_SDK_INTEGRITY = "x"', stale)
    conf_file.write_text(stale)
    vendor = root / VENDOR.relative_to(ROOT)
    vendor.mkdir(parents=True)
    (vendor / "authsignal-browser-0.0.1.min.js").write_text("an older copy")

    result = run_script(root)

    assert result.returncode == 0, result.stderr
    assert f'VENDORED_SDK_INTEGRITY = "{VENDORED_SDK_INTEGRITY}"' in result.stdout
    assert conf_file.read_text() == Path(conf.__file__).read_text()
    assert sorted(path.name for path in vendor.iterdir()) == sorted(
        path.name for path in VENDOR.iterdir()
    )
    for path in VENDOR.iterdir():
        assert (vendor / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.slow  # a subprocess
def test_the_script_without_npm_ci_says_so(tmp_path):
    root = checkout_copy(tmp_path, with_node_modules=False)
    result = run_script(root)
    assert result.returncode != 0
    assert "run `npm ci` first" in result.stderr
    assert not (root / "django_authsignal_sms/static").exists()
