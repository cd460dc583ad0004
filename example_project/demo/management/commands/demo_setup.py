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

from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from django_authsignal_sms import client
from django_authsignal_sms.exceptions import AuthsignalError


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
        for account in DEMO_ACCOUNTS:
            user, _ = model.objects.get_or_create(username=account.username)
            user.phone_number = account.phone
            user.email = f"{account.username}@example.com"
            user.is_staff = user.is_superuser = account.is_admin
            user.set_password(DEMO_PASSWORD)
            user.save()
            if options["enroll"] and account.enrolled:
                self.enroll(user.pk, account.phone)
        self.stdout.write(f"Demo users ready; the password of each is {DEMO_PASSWORD!r}:")
        for account in DEMO_ACCOUNTS:
            phone = account.phone or "(none)"
            self.stdout.write(f"  {account.username:<8} {phone:<13} {account.shows}")

    def enroll(self, user_id: int, phone: str) -> None:
        try:
            client.enroll_sms(str(user_id), phone)
        except AuthsignalError as error:
            raise CommandError(f"Could not enroll user {user_id} at Authsignal: {error}") from error
