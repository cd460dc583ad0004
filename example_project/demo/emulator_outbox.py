"""Reads the local emulator's outbox for the dev-only panel on the code page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def emulator_in_use() -> bool:
    return urlsplit(settings.AUTHSIGNAL_API_URL).hostname in LOOPBACK


def recent_messages(limit: int = 5) -> list[dict[str, Any]]:
    parts = urlsplit(settings.AUTHSIGNAL_API_URL)
    try:
        reply = requests.get(f"{parts.scheme}://{parts.netloc}/_emulator/outbox", timeout=2)
        data = reply.json()
    except (requests.RequestException, ValueError):
        return []
    messages = data.get("messages", []) if isinstance(data, dict) else data
    if not isinstance(messages, list):
        return []
    return [m for m in messages if isinstance(m, dict)][-limit:][::-1]
