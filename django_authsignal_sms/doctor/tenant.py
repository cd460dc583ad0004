"""The tenant id, the region URL and the secret key, from one read-only call."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import client
from ..conf import app_settings
from ..exceptions import (
    AuthsignalApiError,
    AuthsignalError,
    AuthsignalMalformedResponse,
    AuthsignalTimeout,
    AuthsignalUnavailable,
)
from .findings import Finding

REGION_FIX = "wrong secret key, or the key of another region: check AUTHSIGNAL_API_URL's region"
API_URL_FIX = (
    "is this the Authsignal API URL? it must end with /v1: https://api.authsignal.com/v1 "
    "(AU https://au.api.authsignal.com/v1, EU https://eu.api.authsignal.com/v1)"
)
ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


@dataclass(frozen=True)
class Probe:
    """The outcome of the one read-only call: not ``ran`` without a secret key to call with."""

    ran: bool
    timeout: float
    error: AuthsignalError | None = None


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
