"""The browser SDK: served at its URL, or found in the static files, with its hash."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

from ..conf import app_settings
from .findings import Finding

SRI_ALGORITHMS = ("sha256", "sha384", "sha512")


def check_browser_sdk(timeout: float) -> Finding:
    try:
        url = app_settings.BROWSER_SDK_URL
    except ValueError as error:  # static() with a manifest storage and no collectstatic yet
        return _sdk_problem(f"the SDK's static URL cannot be built: {error}", "run collectstatic")
    if url.startswith(("http://", "https://")):
        return _check_served_sdk(url, timeout)
    if url.startswith("//"):
        return _check_served_sdk(f"https:{url}", timeout)
    if not apps.is_installed("django.contrib.staticfiles"):
        return Finding(
            "browser SDK",
            "WARNING",
            f"{url}: not checked without django.contrib.staticfiles",
        )
    return _check_static_sdk(url)


def _check_served_sdk(url: str, timeout: float) -> Finding:
    try:
        reply = requests.get(url, timeout=timeout)
    except requests.Timeout:
        return _sdk_problem(f"no answer from {url} within {timeout:g}s")
    except requests.RequestException as error:
        return _sdk_problem(f"cannot reach {url} ({type(error).__name__})")
    if reply.status_code != 200:
        return _sdk_problem(f"{url} answers HTTP {reply.status_code}")
    if not _looks_like_javascript(reply):
        content_type = reply.headers.get("Content-Type", "none")
        return _sdk_problem(f"{url} does not serve JavaScript (Content-Type: {content_type})")
    return _checked_integrity(f"{url} serves JavaScript", reply.content)


def _looks_like_javascript(reply: requests.Response) -> bool:
    content_type = reply.headers.get("Content-Type", "").lower()
    if "javascript" in content_type or "ecmascript" in content_type:
        return True
    body = reply.content.lstrip()
    return bool(body) and not body.startswith(b"<") and "html" not in content_type


def _check_static_sdk(url: str) -> Finding:
    name = _static_name(url)
    if name is None:
        return Finding(
            "browser SDK",
            "WARNING",
            f"{url} is not under STATIC_URL ({settings.STATIC_URL}): not checked",
            fix="make sure your web server serves it",
        )
    found = finders.find(name) or finders.find(_unhashed(name))
    if not found:
        return _sdk_problem(
            f"{url} is not in the static files (looked for {name})",
            fix="add its directory to STATICFILES_DIRS, or point BROWSER_SDK_URL at a file that is",
        )
    path = found[0] if isinstance(found, list) else found
    return _checked_integrity(f"{url} is in the static files", Path(path).read_bytes())


def _static_name(url: str) -> str | None:
    """The static file's name, relative to STATIC_URL; None when ``url`` is not under it."""
    prefix = "/" + urlsplit(str(settings.STATIC_URL or "")).path.lstrip("/")
    path = "/" + urlsplit(url).path.lstrip("/")
    if prefix == "/" or not path.startswith(prefix):
        return None
    return unquote(path[len(prefix) :])


def _unhashed(name: str) -> str:
    """The source name of a ManifestStaticFilesStorage name with a hash in it."""
    hashed_files: Any = getattr(staticfiles_storage, "hashed_files", None)
    if isinstance(hashed_files, dict):
        for original, stored in hashed_files.items():
            if stored == name:
                return str(original)
    return name


def _checked_integrity(found: str, body: bytes) -> Finding:
    integrity = app_settings.BROWSER_SDK_INTEGRITY.split()
    if not integrity:
        return Finding("browser SDK", "OK", f"{found} (no integrity hash to check)")
    if any(_hash_matches(expected, body) for expected in integrity):
        return Finding("browser SDK", "OK", f"{found} and matches BROWSER_SDK_INTEGRITY")
    actual = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return _sdk_problem(
        f"{found} but does not match BROWSER_SDK_INTEGRITY: browsers will refuse to run it",
        fix=f"set BROWSER_SDK_INTEGRITY to {actual} if you trust this file, or '' for none",
    )


def _hash_matches(expected: str, body: bytes) -> bool:
    algorithm, _, digest = expected.partition("-")
    if algorithm not in SRI_ALGORITHMS:
        return False
    return base64.b64encode(hashlib.new(algorithm, body).digest()).decode() == digest


def _sdk_problem(summary: str, fix: str = "check BROWSER_SDK_URL") -> Finding:
    return Finding("browser SDK", "PROBLEM", summary, fix=fix)
