"""The demo's accounts: who they are, what each shows at sign-in, and when the login page lists
them (only on a development site talking to the local emulator)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from .emulator_outbox import emulator_in_use

DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    phone: str
    # Enrolled at Authsignal up front, as a returning user would be (demo_setup --enroll).
    enrolled: bool
    # What signing in shows; example_project/emulator-rules.json decides the outcomes.
    shows: str
    is_admin: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("demo", "+15005550006", True, "a code by text message, then the protected page"),
    DemoAccount(
        "allow",
        "+15005550001",
        True,
        "signed in at once: Authsignal allows it; then a transfer over $1,000 asks for a code",
    ),
    DemoAccount("block", "+15005550002", True, "refused: Authsignal blocks it"),
    DemoAccount("review", "+15005550003", True, "refused: held for review"),
    DemoAccount("newbie", "+15005550004", False, "first sign-in: number enrolled, then a code"),
    DemoAccount("nophone", "", False, "no number on file: the page that says how to get help"),
    DemoAccount("admin", "+15005550009", True, "the admin site, after a code", is_admin=True),
)


def accounts_to_list() -> list[DemoAccount]:
    """The demo accounts that exist, on a DEBUG site using the local emulator; else none."""
    if not (settings.DEBUG and emulator_in_use()):
        return []
    usernames = {account.username for account in DEMO_ACCOUNTS}
    existing = set(
        get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    return [account for account in DEMO_ACCOUNTS if account.username in existing]
