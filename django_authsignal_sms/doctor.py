"""The doctor: checks the live configuration against the Authsignal tenant, read-only.

Each check returns a ``Finding`` (OK, WARNING or PROBLEM, and what to do). The only call made to
Authsignal is ``client.read_probe_user``, a GET that changes nothing there.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import requests
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import DatabaseError
from django.db.models import Model, QuerySet

from . import client
from .attributes import phone_number, phone_number_source
from .conf import DEFAULTS, app_settings
from .exceptions import (
    AuthsignalApiError,
    AuthsignalError,
    AuthsignalMalformedResponse,
    AuthsignalTimeout,
    AuthsignalUnavailable,
)
from .log import logger, mask_phone

Status = Literal["OK", "WARNING", "PROBLEM"]

REGION_FIX = "wrong secret key, or the key of another region: check AUTHSIGNAL_API_URL's region"
API_URL_FIX = (
    "is this the Authsignal API URL? it must end with /v1: https://api.authsignal.com/v1 "
    "(AU https://au.api.authsignal.com/v1, EU https://eu.api.authsignal.com/v1)"
)
ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
SRI_ALGORITHMS = ("sha256", "sha384", "sha512")
USER_EXAMPLES = 5
USER_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    summary: str
    fix: str = ""
    details: tuple[str, ...] = ()

    @property
    def is_problem(self) -> bool:
        return self.status == "PROBLEM"


@dataclass(frozen=True)
class Probe:
    """The outcome of the one read-only call: not ``ran`` without a secret key to call with."""

    ran: bool
    timeout: float
    error: AuthsignalError | None = None


def run(timeout: float, *, skip_users: bool = False) -> list[Finding]:
    probe = probe_api(timeout)
    checks: list[tuple[str, Callable[[], Finding]]] = [
        ("tenant id", check_tenant_id),
        ("API URL", lambda: check_api_url(probe)),
        ("secret key", lambda: check_secret_key(probe)),
        ("browser SDK", lambda: check_browser_sdk(timeout)),
    ]
    if not skip_users:
        checks.append(("phone numbers", check_users))
    return [_safely(name, check) for name, check in checks]


def default_timeout() -> float:
    """TIMEOUT, or its default when the setting is not a number (check E005 says so)."""
    try:
        return app_settings.TIMEOUT
    except (TypeError, ValueError):
        return float(DEFAULTS["TIMEOUT"])


def _safely(name: str, check: Callable[[], Finding]) -> Finding:
    # One broken check (a site's own PHONE_NUMBER callable, an odd storage) must not hide the rest.
    try:
        return check()
    except Exception as error:
        return Finding(name, "PROBLEM", f"the check failed: {type(error).__name__}: {error}")


# Tenant, API URL and secret key


def check_tenant_id() -> Finding:
    tenant_id = app_settings.TENANT_ID
    if not tenant_id:
        return Finding(
            "tenant id",
            "PROBLEM",
            "AUTHSIGNAL_TENANT_ID is not set",
            fix="set it (a setting or an environment variable) to your tenant id from the portal",
        )
    return Finding("tenant id", "OK", tenant_id)


def probe_api(timeout: float) -> Probe:
    if not app_settings.SECRET_KEY:
        return Probe(ran=False, timeout=timeout)
    try:
        client.read_probe_user(timeout)
    except AuthsignalError as error:
        return Probe(ran=True, timeout=timeout, error=error)
    except (TypeError, ValueError) as error:  # a setting the SDK client cannot be built with
        return Probe(ran=True, timeout=timeout, error=AuthsignalError(str(error)))
    return Probe(ran=True, timeout=timeout)


def check_api_url(probe: Probe) -> Finding:
    url, error = app_settings.API_URL, probe.error
    if not probe.ran:
        return Finding("API URL", "WARNING", f"{url}: not checked without a secret key")
    if error is None or _answered_as_authsignal(error):
        return Finding("API URL", "OK", f"{url} answers as the Authsignal API")
    if isinstance(error, AuthsignalTimeout):
        return Finding(
            "API URL",
            "PROBLEM",
            f"cannot reach {url}: no answer within {probe.timeout:g}s",
            fix="check this machine's network, firewall and proxy; --timeout waits longer",
        )
    if isinstance(error, AuthsignalUnavailable):
        return Finding(
            "API URL",
            "PROBLEM",
            f"cannot reach {url} ({_transport_reason(error)})",
            fix="check the host name, DNS, firewall and proxy settings of this machine",
        )
    if isinstance(error, AuthsignalApiError) and (error.status or 0) >= 500:
        return Finding(
            "API URL",
            "PROBLEM",
            f"{url} answers HTTP {error.status} ({error.code or 'no error code'})",
            fix="Authsignal, or a proxy in between, is failing: try again later",
        )
    if isinstance(error, AuthsignalApiError | AuthsignalMalformedResponse):
        return Finding("API URL", "PROBLEM", f"{url} {_not_the_api(error)}", fix=API_URL_FIX)
    return Finding(
        "API URL", "PROBLEM", f"{url} could not be asked: {error}", fix="run manage.py check"
    )


def check_secret_key(probe: Probe) -> Finding:
    error = probe.error
    if not app_settings.SECRET_KEY:
        return Finding(
            "secret key",
            "PROBLEM",
            "AUTHSIGNAL_SECRET_KEY is not set",
            fix="set it (an environment variable) to your tenant's server API secret key",
        )
    if error is None:
        return Finding("secret key", "OK", "accepted by Authsignal")
    if not _answered_as_authsignal(error):
        return Finding("secret key", "WARNING", "not checked until the API URL works")
    assert isinstance(error, AuthsignalApiError)
    answer = f"HTTP {error.status} {error.code or 'no error code'}"
    if error.status == 401:
        return Finding("secret key", "PROBLEM", f"rejected by Authsignal ({answer})", REGION_FIX)
    return Finding(
        "secret key",
        "PROBLEM",
        f"Authsignal refused a read-only call ({answer})",
        fix="look the status and code up in Authsignal's API reference",
    )


def _answered_as_authsignal(error: AuthsignalError) -> bool:
    """A 401, or a 4xx in Authsignal's error envelope: the API itself is at this URL."""
    if not isinstance(error, AuthsignalApiError) or error.status is None:
        return False
    return error.status == 401 or (error.status < 500 and error.code is not None)


def _transport_reason(error: AuthsignalError) -> str:
    """``Connection refused``, ``Name or service not known``...: what the socket said, if known."""
    cause = error.__cause__.__cause__ if error.__cause__ is not None else None
    said = ERRNO_TEXT.search(str(cause))
    return said.group(1) if said else type(cause).__name__


def _not_the_api(error: AuthsignalApiError | AuthsignalMalformedResponse) -> str:
    if isinstance(error, AuthsignalMalformedResponse):
        return "answers, but not with the Authsignal API's JSON"
    return f"answers HTTP {error.status} without Authsignal's error code: not the API path"


# The browser SDK


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


# The users' phone numbers


def check_users() -> Finding:
    try:
        phone_number_source()
    except ImportError as error:
        return Finding(
            "phone numbers", "PROBLEM", f"PHONE_NUMBER does not import: {error}", "fix PHONE_NUMBER"
        )
    tally = Tally()
    try:
        with _without_invalid_number_log():
            for user in _users().iterator(chunk_size=USER_CHUNK_SIZE):
                tally.add(user)
    except DatabaseError as error:
        return Finding(
            "phone numbers", "PROBLEM", f"cannot read the users: {error}", "check the database"
        )
    return _users_finding(tally)


@dataclass
class Tally:
    """Users with and without a usable number, and the first few without one."""

    usable: int = 0
    unusable: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, user: AbstractBaseUser) -> None:
        reason = _why_unusable(user)
        if reason is None:
            self.usable += 1
            return
        self.unusable += 1
        if len(self.examples) < USER_EXAMPLES:
            self.examples.append(f"id={user.pk} {user.get_username()!r}: {reason}")


def _users() -> QuerySet[Any]:
    """All users, with only the columns the phone number needs when PHONE_NUMBER is a field."""
    model = get_user_model()
    users = model._default_manager.order_by("pk")
    fields = _fields_needed(model)
    return users.only(*fields) if fields else users


def _fields_needed(model: type[Model]) -> list[str] | None:
    source = app_settings.PHONE_NUMBER
    field_names = {model_field.name for model_field in model._meta.concrete_fields}
    # A callable or a property may read any column.
    if "." in source or source not in field_names:
        return None
    username = getattr(model, "USERNAME_FIELD", "username")
    return sorted({model._meta.pk.name, username, source} & field_names)


def _why_unusable(user: AbstractBaseUser) -> str | None:
    try:
        if phone_number(user):
            return None
        raw = phone_number_source()(user)
    except Exception as error:  # a site's own PHONE_NUMBER callable
        return f"PHONE_NUMBER failed: {type(error).__name__}"
    if not raw:
        return "no number"
    return f"not E.164: {mask_phone(str(raw))}"


def _users_finding(tally: Tally) -> Finding:
    total = tally.usable + tally.unusable
    counts = f"{tally.usable} of {total} users with a usable number, {tally.unusable} without"
    if tally.unusable == 0:
        return Finding("phone numbers", "OK", counts)
    source, examples = app_settings.PHONE_NUMBER, tuple(tally.examples)
    if tally.usable == 0:
        return Finding(
            "phone numbers",
            "PROBLEM",
            counts,
            fix=f"PHONE_NUMBER ({source!r}) gives no user an E.164 number like +64211234567",
            details=examples,
        )
    return Finding(
        "phone numbers",
        "WARNING",
        counts,
        fix="they cannot get a code: add E.164 numbers (+64211234567)",
        details=examples,
    )


@contextlib.contextmanager
def _without_invalid_number_log() -> Iterator[None]:
    """phone_number() logs every invalid number, as it should at a login; the doctor counts them."""

    def keep(record: logging.LogRecord) -> bool:
        fields = getattr(record, "authsignal_sms", None)
        return not (isinstance(fields, dict) and fields.get("event") == "phone_number_invalid")

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)
