"""Creates the demo users; with --enroll, enrolls their numbers at Authsignal (the emulator).

Authsignal answers ALLOW with isEnrolled false for a user with no authenticator, whatever the
rules say; the app then enrolls the number on file and asks for a code. So the users whose
outcome the demo shows (allow, block, review...) are enrolled up front, as returning users
would be, and "newbie" is left never-enrolled to show the first login.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_authsignal_sms import client
from django_authsignal_sms.exceptions import AuthsignalError

# username, phone, enrolled up front, what happens at login (emulator-rules.json decides)
DEMO_USERS = [
    ("demo", "+15005550006", True, "challenged: a code is sent by SMS"),
    ("allow", "+15005550001", True, "ALLOW: logged in at once"),
    ("block", "+15005550002", True, "BLOCK: refused"),
    ("review", "+15005550003", True, "REVIEW_REQUIRED: held for review"),
    ("newbie", "+15005550004", False, "never enrolled: the site enrolls the number, then a code"),
    ("nophone", "", False, "no number on file: told how to get help"),
]
ADMIN = ("admin", "+15005550009", True, "the admin site, challenged")
DEMO_PASSWORD = "demo-password"


class Command(BaseCommand):
    help = "Create (or reset) the demo users and an admin, all with the demo password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enroll",
            action="store_true",
            help="enroll the returning users' numbers at Authsignal (AUTHSIGNAL_API_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        model = get_user_model()
        for username, phone, enrolled, _ in [*DEMO_USERS, ADMIN]:
            user, _ = model.objects.get_or_create(username=username)
            user.phone_number = phone
            user.email = f"{username}@example.com"
            user.is_staff = user.is_superuser = username == "admin"
            user.set_password(DEMO_PASSWORD)
            user.save()
            if options["enroll"] and enrolled:
                self.enroll(user.pk, phone)
        self.stdout.write(f"Demo users ready; the password of each is {DEMO_PASSWORD!r}:")
        for username, phone, _, outcome in [*DEMO_USERS, ADMIN]:
            self.stdout.write(f"  {username:<8} {phone or '(none)':<13} {outcome}")

    def enroll(self, user_id: int, phone: str) -> None:
        try:
            client.enroll_sms(str(user_id), phone)
        except AuthsignalError as error:
            raise CommandError(f"Could not enroll user {user_id} at Authsignal: {error}") from error
