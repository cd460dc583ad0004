"""The doctor: checks the live configuration against the Authsignal tenant, read-only.

Each check returns a ``Finding`` (OK, WARNING or PROBLEM, and what to do). The only call made to
Authsignal is ``client.read_probe_user``, a GET that changes nothing there.
"""

from __future__ import annotations

from collections.abc import Callable

from ..conf import DEFAULTS, app_settings
from .findings import Finding, Status
from .sdk import check_browser_sdk
from .tenant import Probe, check_api_url, check_secret_key, check_tenant_id, probe_api
from .users import check_users

__all__ = [
    "Finding",
    "Probe",
    "Status",
    "check_api_url",
    "check_browser_sdk",
    "check_secret_key",
    "check_tenant_id",
    "check_users",
    "default_timeout",
    "probe_api",
    "run",
]


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
