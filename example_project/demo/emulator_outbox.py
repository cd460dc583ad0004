"""Reads the local emulator's outbox (GET /_emulator/outbox) for the dev-only panel on the code
page: every code it "sent" in the last hour, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.dateparse import parse_datetime

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CHANNEL_NAMES = {"SMS": "SMS", "WHATSAPP": "WhatsApp", "EMAIL": "Email"}


class OutboxUnavailable(Exception):
    """The emulator did not answer, or not with an outbox; the message says which."""


@dataclass(frozen=True)
class SentCode:
    sent_at: datetime | None  # on the emulator's clock, which tests may move forward
    channel: str
    to: str
    code: str
    user_id: str
    action: str

    @property
    def channel_name(self) -> str:
        return CHANNEL_NAMES.get(self.channel, self.channel)


def emulator_in_use() -> bool:
    return urlsplit(settings.AUTHSIGNAL_API_URL).hostname in LOOPBACK


def outbox_url() -> str:
    parts = urlsplit(settings.AUTHSIGNAL_API_URL)
    return f"{parts.scheme}://{parts.netloc}/_emulator/outbox"


def sent_codes() -> list[SentCode]:
    """Newest first (the emulator lists them in the order it sent them)."""
    url = outbox_url()
    try:
        reply = requests.get(url, timeout=2)
        entries = reply.json()
    except requests.RequestException as error:
        raise OutboxUnavailable(f"The emulator at {url} does not answer: is it running?") from error
    except ValueError as error:
        raise OutboxUnavailable(f"{url} answered HTTP {reply.status_code}, not JSON.") from error
    if not isinstance(entries, list):
        raise OutboxUnavailable(f"{url} answered HTTP {reply.status_code}, not a list of messages.")
    codes = [_sent_code(entry) for entry in entries if isinstance(entry, dict)]
    return [code for code in reversed(codes) if code is not None]


def _sent_code(entry: dict[str, Any]) -> SentCode | None:
    fields = ("channel", "to", "code", "userId", "action")
    if not all(isinstance(entry.get(name), str) for name in fields):
        return None
    return SentCode(
        sent_at=_moment(entry.get("sentAt")),
        channel=entry["channel"],
        to=entry["to"],
        code=entry["code"],
        user_id=entry["userId"],
        action=entry["action"],
    )


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:  # well formed, but no such date
        return None
