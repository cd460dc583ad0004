"""Authsignal's client API as a script (or the browser SDK) calls it: Bearer token, JSON.

What an attacker who holds a token can do, and what the code page does, without a browser.
"""

from __future__ import annotations

import re

import requests

TOKEN_PATTERN = re.compile(rb"eyJ[\w-]+\.[\w-]+\.[\w-]*")


def call(base_url: str, token: str, path: str, body: dict | None = None) -> dict:
    reply = requests.post(
        f"{base_url}/client/{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    return reply.json()


def challenge(base_url: str, token: str, channel: str = "sms") -> dict:
    return call(base_url, token, f"challenge/{channel}")


def verify(base_url: str, token: str, code: str, channel: str = "sms") -> dict:
    return call(base_url, token, f"verify/{channel}", {"verificationCode": code})


def enroll(base_url: str, token: str, phone: str) -> dict:
    return call(base_url, token, "user-authenticators/sms", {"phoneNumber": phone})


def tokens_in(content: bytes) -> set[str]:
    """Every JWT-shaped string in a response body: what a page hands to the browser."""
    return {match.decode() for match in TOKEN_PATTERN.findall(content)}
