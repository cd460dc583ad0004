"""Structured log records: logger ``django_authsignal_sms``, phone numbers masked."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("django_authsignal_sms")


def mask_phone(phone: str | None) -> str:
    """``+6421234567`` becomes ``+64******67``: enough to tell numbers apart in a log."""
    if not phone:
        return ""
    keep_start = 3 if phone.startswith("+") else 0
    hidden = max(len(phone) - keep_start - 2, 0)
    return phone[:keep_start] + "*" * hidden + phone[keep_start + hidden :]


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One record per decision; ``fields`` also land on the record for structured handlers."""
    if not logger.isEnabledFor(level):
        return
    details = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.log(
        level,
        "authsignal_sms %s %s",
        event,
        details,
        extra={"authsignal_sms": {"event": event, **fields}},
    )
